// A tiny local HTTP server standing in for the vault (and Graph's download and upload hosts) in
// the SDK's unit tests: the SDK talks real HTTP through real fetch; each test scripts the replies
// and reads back what arrived.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the server received it. */
export interface Received {
  method: string;
  /** Path and query, as sent. */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** What to answer: a status with JSON or raw bytes, or `destroy` to drop the connection. */
export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  json?: unknown;
  body?: Buffer | string;
  /** Sent after the headers, one piece every `everyMs` (a slow download). */
  slowBody?: { pieces: Buffer[]; everyMs: number };
  /** Headers never come: the request hangs until the client gives up. */
  hang?: boolean;
  destroy?: boolean;
}

export type Handler = (request: Received) => Reply | Promise<Reply>;

export interface StandIn {
  readonly url: string;
  readonly received: Received[];
  /** Requests received on `path` (without the query). */
  on(path: string): Received[];
  handle: Handler;
  close(): Promise<void>;
}

/** Starts a stand-in on 127.0.0.1 with a random port; by default every request answers 404. */
export async function standIn(
  handle: Handler = () => ({ status: 404, json: { error: { code: 'not_found', message: 'No such resource.' } } }),
): Promise<StandIn> {
  const received: Received[] = [];
  const state = { handle };
  const server: Server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (part: Buffer) => parts.push(part));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://stand-in');
      const request: Received = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(parts),
      };
      received.push(request);
      Promise.resolve(state.handle(request)).then(
        (reply) => send(res, reply),
        (error: unknown) =>
          send(res, { status: 500, json: { error: { code: 'internal_error', message: String(error) } } }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    on: (path) => received.filter((r) => r.path === path),
    get handle() {
      return state.handle;
    },
    set handle(next: Handler) {
      state.handle = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, reply: Reply): void {
  if (reply.destroy === true) {
    res.socket?.destroy();
    return;
  }
  if (reply.hang === true) return;
  const headers: Record<string, string> = { ...reply.headers };
  if (reply.slowBody !== undefined) {
    res.writeHead(reply.status ?? 200, headers);
    const pieces = [...reply.slowBody.pieces];
    const next = () => {
      const piece = pieces.shift();
      if (piece === undefined) res.end();
      else res.write(piece, () => setTimeout(next, reply.slowBody!.everyMs));
    };
    next();
    return;
  }
  let body: Buffer | string = reply.body ?? '';
  if (reply.json !== undefined) {
    body = JSON.stringify(reply.json);
    headers['content-type'] ??= 'application/json';
  }
  res.writeHead(reply.status ?? 200, headers);
  res.end(body);
}

/** An error reply in the vault's shape. */
export function vaultError(
  status: number,
  code: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Reply {
  return { status, headers, json: { error: { code, message: `refused: ${code}`, ...extra } } };
}

/** A getCredential answer whose token expires `lifetimeMs` after `now`. */
export function aCredential(
  now: number,
  lifetimeMs: number,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    credential: `token-${Math.random().toString(36).slice(2)}`,
    tokenType: 'Bearer',
    expiresAt: new Date(now + lifetimeMs).toISOString(),
    scopes: ['Files.ReadWrite.All'],
    credentialId: 'con_1',
    credentialFor: 'user',
    cloud: 'global',
    graphBaseUrl: 'https://graph.microsoft.com/v1.0',
    account: { oid: 'oid-1', tid: 'tid-1', upn: 'adele@contoso.com' },
    resource: null,
    status: 'active',
    ...overrides,
  };
}
