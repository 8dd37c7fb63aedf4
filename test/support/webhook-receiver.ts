// A webhook receiver for the tests: an HTTPS server on 127.0.0.1 with a CA of its own (trusted by
// the vault through AUTHPIPE_WEBHOOK_CA_FILE, its loopback address allowed through
// AUTHPIPE_WEBHOOK_ALLOW_PRIVATE_NETWORKS, as an operator would configure a private receiver),
// recording every request with the test clock's time, and able to answer errors or drop
// connections to play a receiver that is down.
//
// `verifyWebhook` and `createWebhookHandler` below are the receiving side of Standard Webhooks
// written without dependencies, meant to move into @authpipe/node; the tests check the vault's
// signatures with the independent `standardwebhooks` library as well.
import { createHmac, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { vi } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { loadOrCreateTls } from '../../apps/microsoft-emulator/src/tls/certificates';
import type { TestClock } from './test-clock';
import { useStarted } from './use-started';

/** A delivery as a Standard Webhooks receiver parses it. */
export interface WebhookMessage<D = Record<string, unknown>> {
  type: string;
  timestamp: string;
  data: D;
}

/** Thrown by {@link verifyWebhook} when a message is not authentic or not fresh. */
export class WebhookVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookVerificationError';
  }
}

export interface VerifyWebhookOptions {
  /** Largest distance between `webhook-timestamp` and now, in seconds (default 300, as the spec suggests). */
  toleranceSeconds?: number;
  /** Now, in epoch milliseconds (default `Date.now()`). */
  now?: () => number;
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

/**
 * Verifies a Standard Webhooks message (`webhook-id`, `webhook-timestamp`, `webhook-signature`
 * v1: HMAC-SHA256 over `id.timestamp.body` keyed by the `whsec_` secret's bytes) against one or
 * more secrets (several during a rotation) and returns the parsed body. Pass the raw body, byte
 * for byte as received: a re-serialised JSON object does not verify.
 *
 * @throws WebhookVerificationError when a header is missing, the timestamp is outside the
 *   tolerance (replays), or no signature matches.
 */
export function verifyWebhook<D = Record<string, unknown>>(
  payload: string | Buffer,
  headers: Record<string, string | string[] | undefined>,
  secret: string | readonly string[],
  options: VerifyWebhookOptions = {},
): WebhookMessage<D> {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) throw new WebhookVerificationError('Missing webhook headers');
  if (!/^\d{1,15}$/.test(timestamp)) throw new WebhookVerificationError('Invalid webhook-timestamp');
  const nowSeconds = Math.floor((options.now ?? Date.now)() / 1000);
  if (Math.abs(nowSeconds - Number(timestamp)) > (options.toleranceSeconds ?? 300)) {
    throw new WebhookVerificationError('Message timestamp outside the tolerance');
  }
  const body = typeof payload === 'string' ? payload : payload.toString('utf8');
  const signed = `${id}.${timestamp}.${body}`;
  const offered = signatures
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => Buffer.from(entry.slice(3), 'base64'));
  for (const text of typeof secret === 'string' ? [secret] : secret) {
    const key = Buffer.from(text.startsWith('whsec_') ? text.slice(6) : text, 'base64');
    const expected = createHmac('sha256', key).update(signed, 'utf8').digest();
    if (offered.some((candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected))) {
      return JSON.parse(body) as WebhookMessage<D>;
    }
  }
  throw new WebhookVerificationError('No matching signature');
}

/**
 * A small event handler: verifies each message, drops repeats of a `webhook-id` already handled
 * (retries and replays are at-least-once), and calls the handler of its type (or `*`).
 */
export function createWebhookHandler(options: {
  secret: string | readonly string[];
  on: Record<string, (message: WebhookMessage) => void | Promise<void>>;
  verify?: VerifyWebhookOptions;
  /** How many recent ids are remembered for deduplication (default 10,000). */
  remember?: number;
}): (
  payload: string | Buffer,
  headers: Record<string, string | string[] | undefined>,
) => Promise<'handled' | 'duplicate'> {
  const seen = new Set<string>();
  const remember = options.remember ?? 10_000;
  return async (payload, headers) => {
    const message = verifyWebhook(payload, headers, options.secret, options.verify);
    const id = header(headers, 'webhook-id')!;
    if (seen.has(id)) return 'duplicate';
    const handler = options.on[message.type] ?? options.on['*'];
    await handler?.(message);
    seen.add(id);
    if (seen.size > remember) seen.delete(seen.values().next().value!);
    return 'handled';
  };
}

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
