import { randomUUID } from 'node:crypto';
import { AuthpipeError, NetworkError, errorFromWire } from './errors.js';
import { UPSTREAM_HEADER, type WireErrorBody } from './wire.js';

/** The `fetch` the SDK calls: the global one (undici in Node) or one injected for tests or tracing. */
export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * How failed requests are retried: only idempotent ones, only after a network error or a 5xx
 * answer, with exponential backoff and full jitter (a random wait between 0 and
 * `min(maxDelayMs, baseDelayMs × 2^attempt)`), never after a 4xx.
 */
export interface RetryOptions {
  /** Attempts after the first (default 2; 0 turns retries off). */
  retries?: number;
  /** The backoff's first step (default 200 ms). */
  baseDelayMs?: number;
  /**
   * The longest wait between attempts (default 5 s). A `Retry-After` longer than this is not
   * waited for: the error is thrown with its `retryAfter` for the caller to decide.
   */
  maxDelayMs?: number;
  /**
   * The vault's own `429 rate_limited` (not Graph's 429 through the proxy, which is passed back):
   * wait its `Retry-After` and send the request again, as long as the time waited for this request
   * stays within this many ms. Default 0: off, `RateLimitedError` is thrown at once (with
   * `retryAfter`). The vault refuses a request over its limit before reading it, so any request
   * may be sent again, except one whose body is a stream.
   */
  maxRateLimitWaitMs?: number;
}

/** Settings of one vault client's HTTP transport. */
export interface TransportOptions {
  baseUrl: string;
  secretKey: string;
  fetch: FetchLike;
  retry: Required<RetryOptions>;
  /** Give up on one attempt after this long (default 30 s). */
  timeoutMs: number;
  /** Random numbers in [0, 1), for the jitter. */
  random: () => number;
}

/** One request to the vault. */
export interface VaultRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  /** Path below the base URL, already encoded (`/v1/connections/con_1`). */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** A JSON body. */
  json?: unknown;
  /** A body sent as it is (streams are never retried). */
  body?: RequestInit['body'];
  headers?: Record<string, string>;
  /** Whether the request may be sent again after a failure that may have reached the vault. */
  idempotent: boolean;
  signal?: AbortSignal;
  /** `manual` to get a redirect back instead of following it (the proxy's 302 downloads). */
  redirect?: 'follow' | 'manual' | 'error';
}

/** The vault's HTTP API with authentication, request ids, timeouts and retries. */
export class Transport {
  constructor(private readonly options: TransportOptions) {}

  /** Sends `request` and answers the parsed JSON body, or throws the typed error of a refusal. */
  async json<T>(request: VaultRequest): Promise<T> {
    const { response, requestId } = await this.send(request);
    if (!response.ok) throw await errorOf(response, requestId);
    if (response.status === 204) {
      return undefined as T;
    }
    return (await response.json()) as T;
  }

  /**
   * Sends `request` and answers the raw response, whatever its status (the proxy passes Graph's
   * statuses through), retrying only network errors and 5xx of idempotent requests.
   */
  async send(request: VaultRequest): Promise<{ response: Response; requestId: string }> {
    const { retry } = this.options;
    const replayable = request.idempotent && !isStream(request.body);
    let rateLimitWaitedMs = 0;
    for (let attempt = 0; ;) {
      const requestId = randomUUID();
      let response: Response;
      try {
        response = await this.attempt(request, requestId);
      } catch (error) {
        if (request.signal?.aborted) throw error;
        const failure = networkError(error, requestId);
        if (!replayable || attempt >= retry.retries) throw failure;
        await delay(this.backoff(attempt++), request.signal);
        continue;
      }
      const rateLimitWait = this.rateLimitWait(request, response, rateLimitWaitedMs);
      if (rateLimitWait !== null) {
        // Not an attempt that failed: the vault did not read it, so it costs none of `retries`.
        rateLimitWaitedMs += rateLimitWait;
        await response.body?.cancel().catch(() => undefined);
        await delay(rateLimitWait, request.signal);
        continue;
      }
      if (response.status < 500 || !replayable || attempt >= retry.retries) return { response, requestId };
      const retryAfter = retryAfterSeconds(response.headers.get('retry-after'));
      if (retryAfter !== undefined && retryAfter * 1000 > retry.maxDelayMs) return { response, requestId };
      await response.body?.cancel().catch(() => undefined);
      await delay(Math.max(retryAfter === undefined ? 0 : retryAfter * 1000, this.backoff(attempt++)), request.signal);
    }
  }

  /** How long to wait before sending again after the vault's own 429, or null to answer it. */
  private rateLimitWait(request: VaultRequest, response: Response, waitedMs: number): number | null {
    const budget = this.options.retry.maxRateLimitWaitMs;
    if (response.status !== 429 || budget <= 0 || isStream(request.body)) return null;
    // Graph's 429 through the proxy is Graph's answer, for the caller to judge.
    if (response.headers.get(UPSTREAM_HEADER) !== null) return null;
    const retryAfter = retryAfterSeconds(response.headers.get('retry-after'));
    if (retryAfter === undefined) return null;
    const wait = Math.max(retryAfter * 1000, 1);
    return waitedMs + wait <= budget ? wait : null;
  }

  private async attempt(request: VaultRequest, requestId: string): Promise<Response> {
    const url = new URL(`${this.options.baseUrl}${request.path}`);
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = {
      ...request.headers,
      authorization: `Bearer ${this.options.secretKey}`,
      'x-request-id': requestId,
    };
    let body = request.body;
    if (request.json !== undefined) {
      body = JSON.stringify(request.json);
      headers['content-type'] = 'application/json';
    }
    // The timeout runs until the answer's headers arrive, not while its body streams: a large
    // download through the proxy may take longer than any timeout fit for waiting on the vault.
    const timeout = new AbortController();
    const timer = setTimeout(
      () => timeout.abort(new DOMException('The vault did not answer in time.', 'TimeoutError')),
      this.options.timeoutMs,
    );
    const init: RequestInit & { duplex?: 'half' } = {
      method: request.method,
      headers,
      signal: request.signal ? AbortSignal.any([request.signal, timeout.signal]) : timeout.signal,
      redirect: request.redirect ?? 'follow',
    };
    if (body !== undefined && body !== null) {
      init.body = body;
      // A streamed request body needs half-duplex in fetch (undici).
      if (isStream(body)) init.duplex = 'half';
    }
    try {
      return await this.options.fetch(url, init);
    } finally {
      clearTimeout(timer);
    }
  }

  private backoff(attempt: number): number {
    const { baseDelayMs, maxDelayMs } = this.options.retry;
    return Math.floor(this.options.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** attempt));
  }
}

/** The typed error of a vault refusal (`{error: {code, message, ...}}`), or a generic one. */
export async function errorOf(response: Response, requestId: string): Promise<AuthpipeError> {
  const retryAfter = retryAfterSeconds(response.headers.get('retry-after'));
  const extra = { requestId, ...(retryAfter !== undefined ? { retryAfter } : {}) };
  const text = await response.text().catch(() => '');
  const body = wireError(text);
  if (body !== null) return errorFromWire(response.status, body, extra);
  return errorFromWire(
    response.status,
    { code: `http_${response.status}`, message: `The vault answered ${response.status} ${response.statusText}.` },
    extra,
  );
}

function wireError(text: string): WireErrorBody | null {
  try {
    const parsed = JSON.parse(text) as { error?: Partial<WireErrorBody> } | null;
    const error = parsed?.error;
    if (typeof error?.code === 'string' && typeof error.message === 'string') return error as WireErrorBody;
  } catch {
    // Not JSON: a proxy or load balancer in front of the vault answered.
  }
  return null;
}

/** `Retry-After` as seconds, from either of its forms (delta seconds or an HTTP date). */
export function retryAfterSeconds(header: string | null): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

function networkError(error: unknown, requestId: string): AuthpipeError {
  const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
  return new NetworkError({
    code: timedOut ? 'timeout' : 'network_error',
    message: timedOut ? 'The vault did not answer in time.' : 'The vault could not be reached.',
    status: 0,
    remediation: 'Check that AUTHPIPE_URL points at a running vault; the request was retried when it was safe to.',
    requestId,
    cause: error,
  });
}

function isStream(body: unknown): boolean {
  return (
    typeof body === 'object' &&
    body !== null &&
    (body instanceof ReadableStream ||
      typeof (body as { pipe?: unknown }).pipe === 'function' ||
      Symbol.asyncIterator in body)
  );
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms);
    const abort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', abort, { once: true });
  });
}
