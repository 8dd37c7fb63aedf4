// Streaming send over undici: the request body is read as the socket drains, the response body
// is handed over as a Readable that undici fills only while it is below its high-water mark
// (the socket is paused above it), so memory stays bounded whatever the size.
import { Readable } from 'node:stream';
import type { Agent, Dispatcher } from 'undici';
import { HttpRequestError, toHttpRequestError } from './http-errors';
import type { HttpMethod } from './http';

/** A request body: bytes, or a stream read only as fast as the connection takes it. */
export type HttpStreamBody = string | Buffer | Uint8Array | Readable | AsyncIterable<Uint8Array>;

/** One streamed outbound request. Only https URLs are accepted. */
export interface HttpStreamRequest {
  method: HttpMethod;
  url: string;
  /**
   * Request headers. Host and hop-by-hop headers (connection, keep-alive, transfer-encoding, te,
   * trailer, upgrade, expect, proxy-connection) are dropped: undici manages them. With a stream
   * body, a Content-Length header sends it with that length instead of chunked.
   */
  headers?: Record<string, string | readonly string[]>;
  body?: HttpStreamBody;
  /** Aborts the request, or the response body while it is read. */
  signal?: AbortSignal;
  /** Overrides the client's `headersTimeoutMs`. */
  headersTimeoutMs?: number;
  /** Overrides the client's `bodyIdleTimeoutMs`. */
  bodyIdleTimeoutMs?: number;
  /**
   * Bytes of response body buffered before the connection is paused (default 64 KiB). The body
   * Readable and undici's buffer each hold up to this much.
   */
  highWaterMark?: number;
}

/** A response whose body is still on the wire. Header names are lower-case; repeated ones are arrays. */
export interface HttpStreamResponse {
  status: number;
  headers: Record<string, string | string[]>;
  /** Read it to the end or destroy it: until then the connection is not reused. */
  body: Readable;
}

const DROPPED_HEADERS = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'expect',
]);

const DEFAULT_HIGH_WATER_MARK = 64 * 1024;

function outboundHeaders(headers: HttpStreamRequest['headers']): Record<string, string | string[]> {
  const kept: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (!DROPPED_HEADERS.has(name.toLowerCase())) kept[name] = typeof value === 'string' ? value : [...value];
  }
  return kept;
}

function isAsyncIterable(value: unknown): value is AsyncIterable<Uint8Array> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

// undici takes bytes and Readables; other async iterables become a byte Readable (not object mode).
function requestBody(body: HttpStreamBody | undefined): string | Buffer | Uint8Array | Readable | null {
  if (body === undefined) return null;
  if (typeof body === 'string' || body instanceof Uint8Array || body instanceof Readable) return body;
  if (isAsyncIterable(body)) return Readable.from(body, { objectMode: false });
  return body;
}

// undici's body stream fails with its own errors; the wrapper turns them into HttpRequestErrors
// and, being pulled by its reader, keeps undici's backpressure. Destroying it destroys undici's
// stream (the generator's `for await` returns), which closes the connection.
function mappedBody(body: Readable, label: string, highWaterMark: number): Readable {
  async function* chunks(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) yield chunk;
    } catch (error) {
      throw toHttpRequestError(error, label, 'response');
    }
  }
  return Readable.from(chunks(), { objectMode: false, highWaterMark });
}

/** Sends `req` through `dispatcher`; see `HttpClient.stream`. */
export async function sendStream(
  dispatcher: Agent,
  req: HttpStreamRequest,
  defaults: { headersTimeoutMs: number; bodyIdleTimeoutMs: number },
): Promise<HttpStreamResponse> {
  const response = await sendUnmapped(dispatcher, req, defaults);
  return {
    status: response.status,
    headers: response.headers,
    body: mappedBody(response.body, response.label, req.highWaterMark ?? DEFAULT_HIGH_WATER_MARK),
  };
}

/**
 * {@link sendStream} with undici's own response body, whose errors are still undici's: for a
 * caller that reads the whole body at once and maps them itself (`toHttpRequestError`, phase
 * `response`). The wrapping stream costs two async iterations per chunk, which a small buffered
 * token response does not need (it showed in the refresh benchmark's profile).
 */
export async function sendUnmapped(
  dispatcher: Agent,
  req: HttpStreamRequest,
  defaults: { headersTimeoutMs: number; bodyIdleTimeoutMs: number },
): Promise<HttpStreamResponse & { label: string }> {
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    throw new HttpRequestError('invalid_url', undefined, `${req.method} to an invalid URL`);
  }
  if (url.protocol !== 'https:') {
    throw new HttpRequestError('invalid_url', undefined, `${req.method} ${url.host}: only https is allowed`);
  }
  const label = `${req.method} ${url.host}${url.pathname}`;
  const body = requestBody(req.body);
  const highWaterMark = req.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
  let response: Dispatcher.ResponseData;
  try {
    response = await dispatcher.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: req.method,
      headers: outboundHeaders(req.headers),
      body,
      signal: req.signal ?? null,
      headersTimeout: req.headersTimeoutMs ?? defaults.headersTimeoutMs,
      bodyTimeout: req.bodyIdleTimeoutMs ?? defaults.bodyIdleTimeoutMs,
      highWaterMark,
    });
  } catch (error) {
    if (body instanceof Readable) {
      // A failure of the caller's own stream is not the network's.
      if (body.errored !== null && body.errored === error) {
        throw new HttpRequestError('request_body', undefined, `${label}: the request body stream failed`, {
          cause: error,
        });
      }
      body.destroy();
    }
    throw toHttpRequestError(error, label, 'request');
  }
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  return { status: response.statusCode, headers, body: response.body, label };
}
