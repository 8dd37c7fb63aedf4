// The one outbound HTTP layer of the library: msal-node (through `msal-network.ts`), Graph and
// JWKS all go through it, so TLS trust, timeouts and the endpoint override apply everywhere alike.
import https from 'node:https';
import { isIP } from 'node:net';
import tls from 'node:tls';
import { z } from 'zod';

/** Options of the outbound HTTP layer, validated by `httpClientOptionsSchema`. */
export const httpClientOptionsSchema = z.object({
  /** Extra trusted CA certificates (PEM), added to Node's bundled roots, e.g. an emulator's or a proxy's CA. */
  caCertificates: z.array(z.string().includes('-----BEGIN CERTIFICATE-----')).default([]),
  /** Deadline of one request from connect to the last body byte, in milliseconds. */
  timeoutMs: z.number().int().positive().default(30_000),
  /** Largest response body accepted, in bytes. */
  maxResponseBytes: z
    .number()
    .int()
    .positive()
    .default(8 * 1024 * 1024),
  /**
   * Endpoint override: `{ 'login.microsoftonline.us': 'https://127.0.0.1:4443' }` connects requests for
   * that host (name, or `name:port`) to the given address while TLS still checks the certificate
   * against the real host name (SNI) and the Host header keeps it. This is how the emulator answers
   * for the national clouds, and how a deployment sends Microsoft traffic to an egress proxy.
   */
  routes: z.record(z.string().min(1), z.url({ protocol: /^https$/ })).default({}),
});
export type HttpClientOptions = z.input<typeof httpClientOptionsSchema>;

/** One outbound request. Only https URLs are accepted. */
export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Overrides the client's deadline for this request. */
  timeoutMs?: number;
}

/** A response; header names are lower-case, repeated headers joined by ", ". */
export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Why a request produced no response; stable values. */
export type HttpFailureCode =
  | 'timeout'
  | 'connection_reset'
  | 'connection_refused'
  | 'dns'
  | 'tls'
  | 'response_too_large'
  | 'invalid_url'
  | 'network';

/**
 * A request produced no HTTP response. The message names the method and host only: URLs may
 * carry user names or codes in their query, bodies carry secrets.
 */
export class HttpRequestError extends Error {
  readonly code = 'http_request_failed';

  constructor(
    readonly failure: HttpFailureCode,
    /** The system error code when there is one (ECONNRESET, ETIMEDOUT, ...). */
    readonly systemCode: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'HttpRequestError';
  }
}

function failureOf(systemCode: string | undefined): HttpFailureCode {
  switch (systemCode) {
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
      return 'connection_reset';
    case 'ECONNREFUSED':
      return 'connection_refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'dns';
    case 'ETIMEDOUT':
      return 'timeout';
    case undefined:
      return 'network';
    default:
      if (/^(ERR_TLS|ERR_SSL|UNABLE_TO|DEPTH_ZERO)|CERT/.test(systemCode)) return 'tls';
      return 'network';
  }
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

/** The outbound HTTP client; one per process or per configuration, it keeps connections alive. */
export class HttpClient {
  private readonly options: z.output<typeof httpClientOptionsSchema>;
  private readonly agent: https.Agent;
  private readonly routes: Map<string, URL>;

  constructor(options: HttpClientOptions = {}) {
    this.options = httpClientOptionsSchema.parse(options);
    this.routes = new Map(
      Object.entries(this.options.routes).map(([host, target]) => [host.toLowerCase(), new URL(target)]),
    );
    this.agent = new https.Agent({
      keepAlive: true,
      // `ca` replaces Node's roots, so the bundled ones are kept explicitly.
      ca:
        this.options.caCertificates.length > 0 ? [...tls.rootCertificates, ...this.options.caCertificates] : undefined,
    });
  }

  /** The address a URL's host is connected to: the route target, or the host itself. */
  resolve(url: URL): { hostname: string; port: number } {
    const target = this.routes.get(url.host.toLowerCase()) ?? this.routes.get(url.hostname.toLowerCase());
    const via = target ?? url;
    return { hostname: via.hostname.replace(/^\[|\]$/g, ''), port: via.port === '' ? 443 : Number(via.port) };
  }

  /** Sends one request; resolves with any HTTP status, rejects with `HttpRequestError` when no response came. */
  request(req: HttpRequest): Promise<HttpResponse> {
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      return Promise.reject(new HttpRequestError('invalid_url', undefined, `${req.method} to an invalid URL`));
    }
    if (url.protocol !== 'https:') {
      return Promise.reject(
        new HttpRequestError('invalid_url', undefined, `${req.method} ${url.host}: only https is allowed`),
      );
    }
    const label = `${req.method} ${url.host}${url.pathname}`;
    const { hostname, port } = this.resolve(url);
    const realHost = url.hostname.replace(/^\[|\]$/g, '');
    const timeoutMs = req.timeoutMs ?? this.options.timeoutMs;
    const maxBytes = this.options.maxResponseBytes;

    return new Promise<HttpResponse>((resolve, reject) => {
      let settled = false;
      const fail = (error: HttpRequestError): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        request.destroy();
        reject(error);
      };
      const request = https.request(
        {
          agent: this.agent,
          host: hostname,
          port,
          // SNI and certificate checks use the real host even when routed elsewhere; SNI cannot carry an IP.
          servername: isIP(realHost) ? undefined : realHost,
          path: `${url.pathname}${url.search}`,
          method: req.method,
          headers: { ...req.headers, host: url.host },
        },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBytes) {
              fail(new HttpRequestError('response_too_large', undefined, `${label}: response over ${maxBytes} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          response.on('error', (error: NodeJS.ErrnoException) => {
            fail(
              new HttpRequestError(
                failureOf(error.code),
                error.code,
                `${label} failed while reading the response (${error.code ?? 'error'})`,
              ),
            );
          });
          response.on('end', () => {
            if (settled) return;
            settled = true;
            clearTimeout(timer);
            const headers: Record<string, string> = {};
            for (const [name, value] of Object.entries(response.headers)) {
              if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
            }
            resolve({ status: response.statusCode ?? 0, headers, body: Buffer.concat(chunks) });
          });
        },
      );
      const timer = setTimeout(() => {
        fail(new HttpRequestError('timeout', 'ETIMEDOUT', `${label} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      request.on('error', (error: NodeJS.ErrnoException) => {
        fail(new HttpRequestError(failureOf(error.code), error.code, `${label} failed (${error.code ?? 'error'})`));
      });
      request.end(req.body);
    });
  }

  /** Closes idle keep-alive sockets. */
  close(): void {
    this.agent.destroy();
  }
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
