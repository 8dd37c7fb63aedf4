// @peculiar/x509 (the emulator's certificate maker) needs the reflect polyfill that Nest loads elsewhere.
import 'reflect-metadata';
import { createHash } from 'node:crypto';
import diagnostics from 'node:diagnostics_channel';
import { once } from 'node:events';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpClient, HttpRequestError } from './http';
import { PATTERN_CHUNK_BYTES, patternChunk, startTlsTestServer, type TlsTestServer } from '../test/tls-test-server';

const MiB = 1024 * 1024;
const DOWNLOAD_BYTES = 64 * MiB;
const HIGH_WATER_MARK = 1 * MiB;
// What may sit inside this process between the socket and the reader: undici's body buffer (one
// high-water mark), the client's Readable (one high-water mark, overshot by at most one chunk of
// undici's), plus a parser slice in flight. Far below the 64 MiB sent, and below request()'s cap.
const CLIENT_BUFFER_BOUND = 3 * HIGH_WATER_MARK + 256 * 1024;

async function failure(promise: Promise<unknown>): Promise<HttpRequestError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof HttpRequestError)) throw new Error(`expected an HttpRequestError, got ${String(error)}`);
  return error;
}

/** Writes `bytes` of pattern to `res`, waiting for 'drain' whenever the socket is full. */
function sendPattern(res: ServerResponse, bytes: number, onWrite: (sent: number) => void = () => {}): void {
  let sent = 0;
  const pump = (): void => {
    while (sent < bytes) {
      const chunk = patternChunk(sent).subarray(0, Math.min(PATTERN_CHUNK_BYTES, bytes - sent));
      sent += chunk.length;
      onWrite(sent);
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  pump();
}

function expectedHash(bytes: number): string {
  const hash = createHash('sha256');
  for (let offset = 0; offset < bytes; offset += PATTERN_CHUNK_BYTES) hash.update(patternChunk(offset));
  return hash.digest('hex');
}

describe(`${HttpClient.name} streaming`, () => {
  let server: TlsTestServer;
  let http: HttpClient;
  /** Server-side record of the current test's exchange. */
  let seen: { sent: number; uploadReceived: number; uploadLeads: number[]; closedEarly: Promise<boolean> };
  let markClosed: (early: boolean) => void;

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'https://x').pathname;
    res.on('close', () => markClosed(!res.writableFinished));
    if (path === '/download') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': DOWNLOAD_BYTES });
      sendPattern(res, DOWNLOAD_BYTES, (sent) => (seen.sent = sent));
    } else if (path === '/endless') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      sendPattern(res, Number.MAX_SAFE_INTEGER);
    } else if (path === '/upload') {
      const hash = createHash('sha256');
      req.on('data', (chunk: Buffer) => {
        seen.uploadReceived += chunk.length;
        hash.update(chunk);
      });
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ bytes: seen.uploadReceived, sha256: hash.digest('hex') }));
      });
    } else if (path === '/stall') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.write(patternChunk(0));
    } else if (path === '/hang') {
      // Never answers: the client's headers timeout must end the wait.
    } else if (path === '/redirect') {
      res.writeHead(302, { location: 'https://elsewhere.example.test/' }).end();
    } else {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ ok: true }));
    }
  }

  beforeAll(async () => {
    server = await startTlsTestServer((req, res) => handle(req, res));
  });
  afterAll(async () => {
    await server.close();
  });
  beforeEach(() => {
    seen = {
      sent: 0,
      uploadReceived: 0,
      uploadLeads: [],
      closedEarly: new Promise<boolean>((resolve) => (markClosed = resolve)),
    };
    // The test server is on loopback: allowed here exactly as an operator allows a private endpoint.
    http = new HttpClient({ caCertificates: [server.caCertPem], allowPrivateNetworks: ['127.0.0.1'] });
    return () => http.close();
  });

  it('streams a 64 MiB download through a 1 MiB high-water mark without buffering it, where request() refuses it', async () => {
    // Bytes undici took off the socket, read from its diagnostics channel: received minus
    // consumed is what this process holds at any moment.
    let received = 0;
    let consumed = 0;
    let largestHeld = 0;
    const onChunk = (message: unknown): void => {
      const { request, chunk } = message as { request: { path: string }; chunk: Buffer };
      if (request.path !== '/download') return;
      received += chunk.length;
      largestHeld = Math.max(largestHeld, received - consumed);
    };
    diagnostics.subscribe('undici:request:bodyChunkReceived', onChunk);
    try {
      const response = await http.stream({
        method: 'GET',
        url: `${server.origin}/download`,
        highWaterMark: HIGH_WATER_MARK,
      });
      expect(response.status).toBe(200);
      const hash = createHash('sha256');
      let largestBuffered = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          consumed += chunk.length;
          largestBuffered = Math.max(largestBuffered, response.body.readableLength);
          hash.update(chunk);
          done(null, chunk);
        },
      });
      // A reader slower than the network: each chunk waits for the event loop to turn.
      const slowSink = new Writable({
        highWaterMark: 64 * 1024,
        write(_chunk: Buffer, _encoding, done) {
          setImmediate(done);
        },
      });
      await pipeline(response.body, counter, slowSink);
      expect(consumed).toBe(DOWNLOAD_BYTES);
      expect(seen.sent).toBe(DOWNLOAD_BYTES);
      expect(hash.digest('hex')).toBe(expectedHash(DOWNLOAD_BYTES));
      expect(largestBuffered).toBeLessThanOrEqual(2 * HIGH_WATER_MARK);
      expect(largestHeld).toBeGreaterThan(0);
      expect(largestHeld).toBeLessThanOrEqual(CLIENT_BUFFER_BOUND);
    } finally {
      diagnostics.unsubscribe('undici:request:bodyChunkReceived', onChunk);
    }
    const refused = await failure(http.request({ method: 'GET', url: `${server.origin}/download` }));
    expect(refused.failure).toBe('response_too_large');
  });

  it('streams a 64 MiB upload from an async iterable, produced only as fast as the connection takes it', async () => {
    let produced = 0;
    let sentByUndici = 0;
    let largestAhead = 0;
    const onSent = (message: unknown): void => {
      const { request, chunk } = message as { request: { path: string }; chunk: Buffer };
      if (request.path === '/upload') sentByUndici += chunk.length;
    };
    diagnostics.subscribe('undici:request:bodyChunkSent', onSent);
    async function* source(): AsyncGenerator<Buffer> {
      for (let offset = 0; offset < DOWNLOAD_BYTES; offset += PATTERN_CHUNK_BYTES) {
        // A producer that yields the event loop between chunks, as a file or socket reader does.
        await nextTurn();
        largestAhead = Math.max(largestAhead, produced - sentByUndici);
        produced += PATTERN_CHUNK_BYTES;
        yield patternChunk(offset);
      }
    }
    try {
      const upload = await http.stream({
        method: 'PUT',
        url: `${server.origin}/upload`,
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(DOWNLOAD_BYTES) },
        body: source(),
      });
      const chunks: Buffer[] = [];
      for await (const chunk of upload.body as AsyncIterable<Buffer>) chunks.push(chunk);
      expect(upload.status).toBe(200);
      expect(JSON.parse(Buffer.concat(chunks).toString())).toEqual({
        bytes: DOWNLOAD_BYTES,
        sha256: expectedHash(DOWNLOAD_BYTES),
      });
      // The generator never ran more than a stream buffer ahead of what undici wrote out.
      expect(largestAhead).toBeLessThanOrEqual(CLIENT_BUFFER_BOUND);
    } finally {
      diagnostics.unsubscribe('undici:request:bodyChunkSent', onSent);
    }
  });

  it('uploads from a Readable and reports a failing source as request_body, not as the network', async () => {
    const ok = await http.stream({
      method: 'POST',
      url: `${server.origin}/upload`,
      body: Readable.from([patternChunk(0), patternChunk(PATTERN_CHUNK_BYTES)]),
    });
    const body = await new Response(Readable.toWeb(ok.body) as ReadableStream).json();
    expect(body).toEqual({ bytes: 2 * PATTERN_CHUNK_BYTES, sha256: expectedHash(2 * PATTERN_CHUNK_BYTES) });

    const broken = new Readable({
      read() {
        this.destroy(new Error('disk gone'));
      },
    });
    const error = await failure(http.stream({ method: 'POST', url: `${server.origin}/upload`, body: broken }));
    expect(error.failure).toBe('request_body');
  });

  it('aborts a download mid-stream: the body fails with aborted and the server sees the connection close', async () => {
    const controller = new AbortController();
    const response = await http.stream({ method: 'GET', url: `${server.origin}/endless`, signal: controller.signal });
    const [first] = (await once(response.body, 'data')) as [Buffer];
    expect(first.length).toBeGreaterThan(0);
    controller.abort();
    const [error] = (await once(response.body, 'error').catch((e: unknown) => [e])) as [unknown];
    expect(error).toBeInstanceOf(HttpRequestError);
    expect((error as HttpRequestError).failure).toBe('aborted');
    expect(await seen.closedEarly).toBe(true);
  });

  it('aborts before the response with aborted', async () => {
    const controller = new AbortController();
    const pending = http.stream({ method: 'GET', url: `${server.origin}/hang`, signal: controller.signal });
    controller.abort();
    expect((await failure(pending)).failure).toBe('aborted');
  });

  it('destroying the body closes the connection instead of reading the rest', async () => {
    const response = await http.stream({ method: 'GET', url: `${server.origin}/endless` });
    await once(response.body, 'data');
    response.body.destroy();
    expect(await seen.closedEarly).toBe(true);
  });

  it('times out waiting for headers, and on a body that goes silent', async () => {
    const headers = await failure(http.stream({ method: 'GET', url: `${server.origin}/hang`, headersTimeoutMs: 100 }));
    expect(headers).toMatchObject({ failure: 'timeout', systemCode: 'UND_ERR_HEADERS_TIMEOUT' });

    const response = await http.stream({ method: 'GET', url: `${server.origin}/stall`, bodyIdleTimeoutMs: 100 });
    expect(response.status).toBe(200);
    const chunks: Buffer[] = [];
    const reading = (async () => {
      for await (const chunk of response.body as AsyncIterable<Buffer>) chunks.push(chunk);
    })();
    const idle = await failure(reading);
    expect(idle).toMatchObject({ failure: 'timeout', systemCode: 'UND_ERR_BODY_TIMEOUT' });
    expect(Buffer.concat(chunks).length).toBe(PATTERN_CHUNK_BYTES);
  });

  it('times out a TLS handshake that never completes (connect timeout)', async () => {
    // Accepts TCP and never answers the ClientHello.
    const accepted: Socket[] = [];
    const silent: TcpServer = createTcpServer((socket) => accepted.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const client = new HttpClient({ allowPrivateNetworks: ['127.0.0.1'], connectTimeoutMs: 100 });
    try {
      const port = (silent.address() as AddressInfo).port;
      const error = await failure(client.stream({ method: 'GET', url: `https://127.0.0.1:${port}/` }));
      expect(error).toMatchObject({ failure: 'timeout', systemCode: 'UND_ERR_CONNECT_TIMEOUT' });
    } finally {
      await client.close();
      for (const socket of accepted) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('never follows a redirect', async () => {
    const response = await http.request({ method: 'GET', url: `${server.origin}/redirect` });
    expect(response.status).toBe(302);
    expect(response.headers.location).toBe('https://elsewhere.example.test/');
  });
});
