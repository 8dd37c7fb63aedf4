// A webhook receiver for the tests: an HTTPS server on 127.0.0.1 with a CA of its own (trusted by
// the vault through AUTHPIPE_WEBHOOK_CA_FILE, its loopback address allowed through
// AUTHPIPE_WEBHOOK_ALLOW_PRIVATE_NETWORKS, as an operator would configure a private receiver),
// recording every request with the test clock's time, and able to answer errors or drop
// connections to play a receiver that is down.
//
// The receiving side of Standard Webhooks (`verifyWebhook`, `createWebhookHandler`) is the SDK's,
// re-exported here for the specs; the tests check the vault's signatures with the independent
// `standardwebhooks` library as well.
import fs from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { vi } from 'vitest';
import { Webhook } from 'standardwebhooks';
import type { WebhookMessage } from '@authpipe/node';
import { loadOrCreateTls } from '../../apps/microsoft-emulator/src/tls/certificates';
import type { TestClock } from './test-clock';
import { useStarted } from './use-started';

export {
  createWebhookHandler,
  verifyWebhook,
  WebhookVerificationError,
  type VerifyWebhookOptions,
  type WebhookMessage,
} from '@authpipe/node';

/** One request the receiver got. */
export interface ReceivedWebhook {
  /** The request path (`/hooks/<name>`). */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The test clock when it arrived (the receiver's clock agrees with the vault's). */
  receivedAtMs: number;
  /** What the receiver answered (0: connection dropped). */
  answered: number;
}

export interface WebhookReceiver {
  /** `https://127.0.0.1:PORT/hooks`. */
  readonly url: string;
  /** `https://127.0.0.1:PORT/hooks/<name>`: one receiver, several endpoints told apart by path. */
  urlFor(name: string): string;
  /** The vault's environment for trusting and reaching this receiver. */
  readonly env: Record<string, string>;
  readonly received: ReceivedWebhook[];
  /** Requests answered 2xx, in arrival order. */
  delivered(): ReceivedWebhook[];
  /**
   * What to answer from now on: a status, `drop` (close the connection without an answer), or a
   * function choosing one per request.
   */
  answer(mode: Answer | ((request: { path: string; body: string }) => Answer)): void;
  clear(): void;
  close(): Promise<void>;
}

type Answer = number | 'drop';

export async function startWebhookReceiver(clock: TestClock): Promise<WebhookReceiver> {
  const tls = await loadOrCreateTls(null, clock.date());
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'authpipe-receiver-'));
  const caFile = path.join(dir, 'ca.pem');
  await fs.writeFile(caFile, tls.caCertPem);
  const received: ReceivedWebhook[] = [];
  let choose: (request: { path: string; body: string }) => Answer = () => 204;
  const server: Server = createServer({ cert: tls.leafCertPem, key: tls.leafKeyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const requestPath = req.url ?? '/';
      const mode = choose({ path: requestPath, body });
      received.push({
        path: requestPath,
        headers: req.headers,
        body,
        receivedAtMs: clock.nowMs,
        answered: mode === 'drop' ? 0 : mode,
      });
      if (mode === 'drop') req.socket.destroy();
      else res.writeHead(mode).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}/hooks`,
    urlFor: (name) => `https://127.0.0.1:${port}/hooks/${name}`,
    env: { AUTHPIPE_WEBHOOK_CA_FILE: caFile, AUTHPIPE_WEBHOOK_ALLOW_PRIVATE_NETWORKS: '127.0.0.1' },
    received,
    delivered: () => received.filter((r) => r.answered >= 200 && r.answered < 300),
    answer: (next) => {
      choose = typeof next === 'function' ? next : () => next;
    },
    clear: () => {
      received.length = 0;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

/** A receiver for the enclosing describe block, on `clock` (a function: the vault's clock is made later). */
export function useWebhookReceiver(clock: () => TestClock): WebhookReceiver {
  return useStarted(() => startWebhookReceiver(clock()));
}

/**
 * Verifies a received request with the independent `standardwebhooks` library, as a receiver
 * whose clock reads the test clock's time of arrival: the library checks the timestamp against
 * `Date.now()` (5 minutes either way), and the test clock runs hours away from the machine's.
 */
export function verifyWithStandardWebhooks(request: ReceivedWebhook, secret: string): WebhookMessage {
  vi.useFakeTimers({ toFake: ['Date'], now: request.receivedAtMs });
  try {
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]),
    );
    return new Webhook(secret).verify(request.body, headers) as WebhookMessage;
  } finally {
    vi.useRealTimers();
  }
}
