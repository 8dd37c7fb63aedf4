// The one outbound HTTP layer of the library: msal-node (through `msal-network.ts`), Graph and
// JWKS all go through it, so TLS trust, timeouts, the endpoint override and the address policy
// apply everywhere alike. Built on undici: one Agent (pooled keep-alive connections) per client.
//
// Two ways to send: `request()` buffers a bounded body (token and JSON calls), `stream()` hands
// back the response body as a Readable with backpressure (Graph downloads and uploads of any size).
import type { Agent } from 'undici';
import { z } from 'zod';
import { cidrSchema } from './address-policy';
import { createDispatcher, routeFor } from './http-dispatcher';
import { HttpRequestError, toHttpRequestError } from './http-errors';
import { sendStream, sendUnmapped, type HttpStreamRequest, type HttpStreamResponse } from './http-stream';

export * from './http-errors';
export type { HttpStreamRequest, HttpStreamResponse, HttpStreamBody } from './http-stream';

/** Options of the outbound HTTP layer, validated by `httpClientOptionsSchema`. */
export const httpClientOptionsSchema = z.object({
  /** Extra trusted CA certificates (PEM), added to Node's bundled roots, e.g. an emulator's or a proxy's CA. */
  caCertificates: z.array(z.string().includes('-----BEGIN CERTIFICATE-----')).default([]),
  /** Deadline of one buffered `request()` from connect to the last body byte, in milliseconds. */
  timeoutMs: z.number().int().positive().default(30_000),
  /** Deadline for DNS, TCP and the TLS handshake of a new connection. */
  connectTimeoutMs: z.number().int().positive().default(10_000),
  /** `stream()`: longest wait for the response headers once the request is sent. */
  headersTimeoutMs: z.number().int().positive().default(30_000),
  /** `stream()`: longest silence between two chunks of the response body (not a total deadline). */
  bodyIdleTimeoutMs: z.number().int().positive().default(60_000),
  /** Largest response body `request()` accepts, in bytes; `stream()` has no limit. */
  maxResponseBytes: z
    .number()
    .int()
    .positive()
    .default(8 * 1024 * 1024),
  /** Open connections per origin at most; requests beyond wait for a free one. */
  maxConnectionsPerOrigin: z.number().int().positive().default(32),
  /** How long an idle keep-alive connection is kept (the server's Keep-Alive hint wins when shorter). */
  keepAliveTimeoutMs: z.number().int().positive().default(10_000),
  /**
   * Endpoint override: `{ 'login.microsoftonline.us': 'https://127.0.0.1:4443' }` connects requests for
   * that host (name, or `name:port`) to the given address while TLS still checks the certificate
   * against the real host name (SNI) and the Host header keeps it. This is how the emulator answers
   * for the national clouds, and how a deployment sends Microsoft traffic to an egress proxy.
   * Route targets are operator configuration: the address policy does not apply to them.
   */
  routes: z.record(z.string().min(1), z.url({ protocol: /^https$/ })).default({}),
  /**
   * Networks outside the public internet that may be connected to (CIDR ranges or single
   * addresses, e.g. `['127.0.0.1/32', '::1/128']`). Every other loopback, link-local, private,
   * unique-local, unspecified, multicast or reserved address is refused at connect time, after DNS.
   */
  allowPrivateNetworks: z.array(cidrSchema).default([]),
});
export type HttpClientOptions = z.input<typeof httpClientOptionsSchema>;

/** Methods the layer sends. */
export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

/** One buffered outbound request. Only https URLs are accepted. */
export interface HttpRequest {
  method: HttpMethod;
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Overrides the client's deadline for this request. */
  timeoutMs?: number;
}

/** A buffered response; header names are lower-case, repeated headers joined by ", ". */
export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Parses a Retry-After header (seconds or an HTTP date) into whole seconds from `now`. */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now.getTime()) / 1000));
}

/** Marks the abort of a buffered request by its own deadline, to tell it from other aborts. */
class DeadlineExceeded extends Error {}

/**
 * The outbound HTTP client: one per configuration, it keeps connections alive until `close()`.
 * Never follows redirects: a 3xx is returned as it is.
 */
export class HttpClient {
  private readonly options: z.output<typeof httpClientOptionsSchema>;
  private readonly routes: Map<string, URL>;
  private readonly dispatcher: Agent;

  constructor(options: HttpClientOptions = {}) {
    this.options = httpClientOptionsSchema.parse(options);
    this.routes = new Map(
      Object.entries(this.options.routes).map(([host, target]) => [host.toLowerCase(), new URL(target)]),
    );
    this.dispatcher = createDispatcher({ ...this.options, routes: this.routes });
  }

  /** The address a URL's host is connected to: the route target, or the host itself. */
  resolve(url: URL): { hostname: string; port: number } {
    const via = routeFor(this.routes, url.host, url.hostname) ?? url;
    return { hostname: via.hostname.replace(/^\[|\]$/g, ''), port: via.port === '' ? 443 : Number(via.port) };
  }

  /**
   * Sends one request and buffers its response (at most `maxResponseBytes`); resolves with any
   * HTTP status, rejects with {@link HttpRequestError} when no complete response came.
   */
  async request(req: HttpRequest): Promise<HttpResponse> {
    const timeoutMs = req.timeoutMs ?? this.options.timeoutMs;
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new DeadlineExceeded()), timeoutMs);
    const label = labelOf(req.method, req.url);
    try {
      const response = await sendUnmapped(
        this.dispatcher,
        { method: req.method, url: req.url, headers: req.headers, body: req.body, signal: deadline.signal },
        this.streamDefaults(),
      );
      const chunks: Buffer[] = [];
      let size = 0;
      try {
        for await (const chunk of response.body as AsyncIterable<Buffer>) {
          size += chunk.length;
          if (size > this.options.maxResponseBytes) {
            response.body.destroy();
            throw new HttpRequestError(
              'response_too_large',
              undefined,
              `${label}: response over ${this.options.maxResponseBytes} bytes`,
            );
          }
          chunks.push(chunk);
        }
      } catch (error) {
        // As stream()'s body would have failed: undici's errors while reading the response.
        if (deadline.signal.reason instanceof DeadlineExceeded) throw error;
        throw toHttpRequestError(error, label, 'response');
      }
      return { status: response.status, headers: joinHeaders(response.headers), body: Buffer.concat(chunks) };
    } catch (error) {
      if (deadline.signal.reason instanceof DeadlineExceeded) {
        throw new HttpRequestError('timeout', 'ETIMEDOUT', `${label} timed out after ${timeoutMs} ms`, {
          cause: error,
        });
      }
      throw toHttpRequestError(error, label, 'request');
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Sends one request with a streamed body (or none) and resolves once the response headers
   * arrive; the response body is a Readable that applies backpressure to the connection. Read it
   * to the end or destroy it, or the connection stays busy. Errors, before or during the body,
   * are {@link HttpRequestError}s. Timeouts: connect, headers and body idle (no total deadline);
   * `signal` aborts the request or the body at any point.
   */
  stream(req: HttpStreamRequest): Promise<HttpStreamResponse> {
    return sendStream(this.dispatcher, req, this.streamDefaults());
  }

  private streamDefaults(): { headersTimeoutMs: number; bodyIdleTimeoutMs: number } {
    return { headersTimeoutMs: this.options.headersTimeoutMs, bodyIdleTimeoutMs: this.options.bodyIdleTimeoutMs };
  }

  /** Closes every connection of this client, aborting requests still running. */
  async close(): Promise<void> {
    await this.dispatcher.destroy();
  }
}

function labelOf(method: string, url: string): string {
  try {
    const parsed = new URL(url);
    return `${method} ${parsed.host}${parsed.pathname}`;
  } catch {
    return `${method} to an invalid URL`;
  }
}

function joinHeaders(headers: Record<string, string | string[]>): Record<string, string> {
  const joined: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) joined[name] = Array.isArray(value) ? value.join(', ') : value;
  return joined;
}

/** Parses a response body as JSON and then with `schema`; null when the body is not JSON or does not fit. */
export function parseJsonBody<T>(body: Buffer, schema: z.ZodType<T>): T | null {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? parsed.data : null;
}
