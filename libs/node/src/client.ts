import {
  assertGraphPath,
  configurationError,
  deepFreeze,
  entryOf,
  keyParts,
  normalizedBaseUrl,
  segment,
  untilAborted,
  webBody,
} from './client-parts.js';
import { AuthpipeError } from './errors.js';
import {
  assertKeyPart,
  cacheKey,
  CredentialCache,
  type CacheEntry,
  type CredentialKeyParts,
} from './credential-cache.js';
import { FileActions } from './files.js';
import { errorOf, Transport, type FetchLike, type RetryOptions } from './transport.js';
import type {
  ConnectSession,
  Connection,
  CreateConnectSessionInput,
  Credential,
  GetCredentialInput,
  Installation,
  ListInput,
  Page,
  ProxyInput,
} from './types.js';
import {
  CREDENTIAL_REFRESHED_HEADER,
  SDK_MIN_REMAINING_MS,
  SDK_REFRESH_AHEAD_MS,
  SDK_REVALIDATE_COOLDOWN_MS,
  TENANT_HEADER,
  UPSTREAM_HEADER,
  USER_HEADER,
} from './wire.js';
import {
  credentialIdOf,
  verifyWebhook,
  type VerifyWebhookOptions,
  type WebhookHeaders,
  type WebhookMessage,
} from './webhooks.js';

/** Settings of an {@link Authpipe} client; every one has a default. */
export interface AuthpipeOptions {
  /** The project's secret key. Default: the `AUTHPIPE_SECRET_KEY` environment variable. */
  secretKey?: string;
  /** The vault's URL (`https://authpipe.example.com`). Default: the `AUTHPIPE_URL` environment variable. */
  baseUrl?: string;
  /** The `fetch` to call; default the global one. Inject one to count, trace or test requests. */
  fetch?: FetchLike;
  /** Retries of idempotent requests after network errors and 5xx answers. */
  retry?: RetryOptions;
  /** Give up on one attempt after this long (default 30 s). */
  timeoutMs?: number;
  /** The local credential cache: its size bound (default 10,000 entries), or `false` to turn it off. */
  cache?: { maxEntries?: number } | false;
  /** The clock the cache and {@link Authpipe.handleWebhook} read (ms since the epoch); default `Date.now`. For tests. */
  now?: () => number;
  /** Told when a background refresh fails (the cached token keeps being served while it is valid). */
  onBackgroundError?: (error: unknown) => void;
}

/** What {@link Authpipe.handleWebhook} answers. */
export interface HandledWebhook<D = Record<string, unknown>> {
  /** The verified message. */
  message: WebhookMessage<D>;
  /** The credential id the event names, when it is a credential event; its cache entries were dropped. */
  credentialId: string | undefined;
  /** How many cache entries were dropped (0 for other events, or when none was cached). */
  evicted: number;
}

/** Which cached credentials to drop: one key, or every entry of one credential id. */
export type EvictInput = CredentialKeyParts | { credentialId: string };

const DEFAULT_PROVIDER = 'microsoft-onedrive';
const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

/**
 * The Authpipe client for a backend: valid credentials in one call (answered from a local cache
 * while comfortably valid, renewed in the background before they expire), connect sessions,
 * installations and connections, and Microsoft Graph through the vault's proxy.
 *
 * ```ts
 * const authpipe = new Authpipe(); // AUTHPIPE_SECRET_KEY and AUTHPIPE_URL
 * const { credential } = await authpipe.getCredential({
 *   provider: 'microsoft-onedrive', tenantId: 'org_acme', userId: 'user_123', credentialFor: 'user' });
 * ```
 */
export class Authpipe {
  /** OneDrive and SharePoint file actions (list, get, download, upload, folders, search, move, delete) over the proxy. */
  readonly files: FileActions;
  private readonly transport: Transport;
  private readonly cache: CredentialCache<Credential> | null;
  private readonly inflight = new Map<string, Promise<Credential>>();
  private readonly now: () => number;
  private readonly onBackgroundError: (error: unknown) => void;

  constructor(options: AuthpipeOptions = {}) {
    const secretKey = options.secretKey ?? process.env.AUTHPIPE_SECRET_KEY;
    const baseUrl = options.baseUrl ?? process.env.AUTHPIPE_URL;
    if (secretKey === undefined || secretKey === '')
      throw configurationError(
        'No secret key: pass { secretKey } or set AUTHPIPE_SECRET_KEY to the project secret key.',
      );
    if (baseUrl === undefined || baseUrl === '')
      throw configurationError("No vault URL: pass { baseUrl } or set AUTHPIPE_URL to the vault's URL.");
    const fetchImpl = options.fetch ?? globalThis.fetch;
    this.transport = new Transport({
      baseUrl: normalizedBaseUrl(baseUrl),
      secretKey,
      fetch: (input, init) => fetchImpl(input, init),
      retry: { retries: 2, baseDelayMs: 200, maxDelayMs: 5_000, maxRateLimitWaitMs: 0, ...options.retry },
      timeoutMs: options.timeoutMs ?? 30_000,
      random: Math.random,
    });
    this.cache = options.cache === false ? null : new CredentialCache(options.cache?.maxEntries ?? 10_000);
    this.now = options.now ?? Date.now;
    this.onBackgroundError = options.onBackgroundError ?? (() => undefined);
    this.files = new FileActions(this, fetchImpl);
  }

  /**
   * A valid access token of a tenant's installation or of one of its users' connections
   * (GET /v1/credentials/:provider). Answered from the local cache, with no request, while the
   * token has more than 5 minutes left; with less, still answered from the cache while one
   * background request per key renews it; with less than 2 minutes left (or never fetched), the
   * call waits for the vault. Throws {@link CredentialNotFoundError}, {@link NeedsReauthError},
   * {@link RevokedError}, {@link AccessLostError}, {@link AppMisconfiguredError},
   * {@link ProviderUnavailableError}, {@link RateLimitedError} or {@link AuthpipeError}.
   */
  getCredential(input: GetCredentialInput): Promise<Credential> {
    // The hot path: no validation, no string built. Only validated keys are ever stored, so an
    // input that would fail validation cannot match one.
    if (this.cache !== null && input.forceRefresh !== true) {
      const entry = this.cache.get(input.provider, input.tenantId, input.credentialFor, input.userId);
      if (entry !== undefined) {
        const now = this.now();
        const left = entry.expiresAtMs - now;
        if (left > SDK_REFRESH_AHEAD_MS) return Promise.resolve(entry.value);
        if (left > SDK_MIN_REMAINING_MS) {
          if (now >= entry.revalidateAfterMs) this.revalidate(keyParts(input), entry);
          return Promise.resolve(entry.value);
        }
      }
    }
    let parts: CredentialKeyParts;
    try {
      parts = keyParts(input);
    } catch (error) {
      // An async API: a bad argument rejects like every other failure.
      return Promise.reject(error instanceof Error ? error : new TypeError(String(error)));
    }
    const shared = this.load(parts, input.forceRefresh === true);
    return input.signal === undefined ? shared : untilAborted(shared, input.signal);
  }

  /**
   * Drops cached credentials: the one of a (provider, tenant, kind, user) key, or every entry of a
   * credential id (what a credential webhook names). Answers how many were dropped.
   */
  evict(input: EvictInput): number {
    if (this.cache === null) return 0;
    if ('credentialId' in input) return this.cache.deleteCredential(input.credentialId);
    const parts = keyParts(input);
    this.inflight.delete(cacheKey(parts));
    return this.cache.delete(parts) ? 1 : 0;
  }

  /**
   * Verifies a webhook delivery (see {@link verifyWebhook}: pass the raw body and the request
   * headers) and, for a credential event (`credential.status_changed`, `credential.recovered`,
   * `installation.reauthorized`/`deleted`, `connection.reauthorized`/`deleted`), drops that
   * credential from the local cache, so the next `getCredential` asks the vault. The timestamp is
   * judged by this client's `now` unless `options.now` says otherwise.
   *
   * @throws WebhookVerificationError when the message is not authentic or not fresh (answer 400).
   */
  handleWebhook<D = Record<string, unknown>>(
    payload: string | Uint8Array,
    headers: WebhookHeaders,
    secret: string | readonly string[],
    options: VerifyWebhookOptions = {},
  ): HandledWebhook<D> {
    const message = verifyWebhook<D>(payload, headers, secret, { ...options, now: options.now ?? this.now });
    const credentialId = credentialIdOf(message);
    const evicted = credentialId === undefined ? 0 : this.evict({ credentialId });
    return { message, credentialId, evicted };
  }

  /** A connect session for your frontend to start an install or connect flow (POST /v1/connect-sessions). */
  createConnectSession(input: CreateConnectSessionInput): Promise<ConnectSession> {
    return this.transport.json<ConnectSession>({
      method: 'POST',
      path: '/v1/connect-sessions',
      json: { provider: DEFAULT_PROVIDER, ...input },
      idempotent: false,
    });
  }

  /** One page of the project's installations, filtered by tenant, provider and status (GET /v1/installations). */
  listInstallations(input: ListInput = {}): Promise<Page<Installation>> {
    return this.transport.json({ method: 'GET', path: '/v1/installations', query: { ...input }, idempotent: true });
  }

  /** One installation by id (GET /v1/installations/:id); `installation_not_found` for another project's. */
  getInstallation(id: string): Promise<Installation> {
    return this.transport.json({ method: 'GET', path: `/v1/installations/${segment(id)}`, idempotent: true });
  }

  /** Deletes an installation and its token (DELETE /v1/installations/:id), and drops it from the local cache. */
  async deleteInstallation(id: string): Promise<void> {
    await this.deleteCredential('installations', id);
  }

  /** One page of the project's user connections, filtered by tenant, provider and status (GET /v1/connections). */
  listConnections(input: ListInput = {}): Promise<Page<Connection>> {
    return this.transport.json({ method: 'GET', path: '/v1/connections', query: { ...input }, idempotent: true });
  }

  /** One connection by id (GET /v1/connections/:id); `connection_not_found` for another project's. */
  getConnection(id: string): Promise<Connection> {
    return this.transport.json({ method: 'GET', path: `/v1/connections/${segment(id)}`, idempotent: true });
  }

  /**
   * Deletes a user's connection and its tokens (DELETE /v1/connections/:id), and drops it from
   * the local cache. An access token already handed out stays valid at Microsoft until it expires.
   */
  async deleteConnection(id: string): Promise<void> {
    await this.deleteCredential('connections', id);
  }

  /**
   * Calls Microsoft Graph through the vault (`ANY /v1/proxy/<provider>/<path>`) with the tenant's
   * installation or a user's connection, which the vault injects and renews; the token never
   * reaches your process. Answers Graph's response as it is, body streaming, redirects not
   * followed (a download's 302 to a pre-authenticated URL comes back as such). Throws only for
   * the vault's own refusals (no credential, blocked credential, path refused). A Graph 401, or
   * the vault's `Authpipe-Credential-Refreshed` header (it refreshed the token after Graph's 401
   * and retried), drops the local cache entry of that credential.
   */
  async proxy(input: ProxyInput): Promise<Response> {
    const method = input.method ?? 'GET';
    const provider = input.provider ?? DEFAULT_PROVIDER;
    assertKeyPart('provider', provider);
    assertKeyPart('tenantId', input.tenantId);
    if (input.userId !== undefined) assertKeyPart('userId', input.userId);
    assertGraphPath(input.path);
    const headers: Record<string, string> = { ...input.headers, [TENANT_HEADER]: input.tenantId };
    if (input.userId !== undefined) headers[USER_HEADER] = input.userId;
    const { response, requestId } = await this.transport.send({
      method,
      path: `/v1/proxy/${segment(provider)}/${input.path.replace(/^\/+/, '')}`,
      headers,
      body: webBody(input.body),
      idempotent: IDEMPOTENT.has(method),
      redirect: 'manual',
      ...(input.signal ? { signal: input.signal } : {}),
    });
    if (response.headers.get(UPSTREAM_HEADER) === null && response.status >= 400)
      throw await errorOf(response, requestId);
    // Graph refused the token: the cached copy (if any) is no good. The vault says so with a header
    // when it refreshed the token and answered the retry, so a 200 can carry it too.
    const refreshed = response.headers.get(CREDENTIAL_REFRESHED_HEADER);
    if (response.status === 401 || refreshed !== null) {
      this.evict({
        provider,
        tenantId: input.tenantId,
        credentialFor: input.userId === undefined ? 'installation' : 'user',
        userId: input.userId,
      });
      // The same credential may be cached under another key too (every entry of its id goes).
      if (refreshed !== null && refreshed !== '') this.evict({ credentialId: refreshed });
    }
    return response;
  }

  private async deleteCredential(kind: 'installations' | 'connections', id: string): Promise<void> {
    try {
      await this.transport.json<void>({ method: 'DELETE', path: `/v1/${kind}/${segment(id)}`, idempotent: true });
    } finally {
      // Gone or not, no cached token of it should be answered again.
      this.cache?.deleteCredential(id);
    }
  }

  /** One request per key at a time; the answer is cached unless an eviction happened meanwhile. */
  private load(parts: CredentialKeyParts, force: boolean): Promise<Credential> {
    const key = cacheKey(parts);
    const flightKey = force ? `${key}\u0000force` : key;
    const running = this.inflight.get(flightKey);
    if (running !== undefined) return running;
    const epoch = this.cache?.epoch ?? 0;
    const request = this.fetchCredential(parts, force).then(
      (credential) => {
        this.cache?.set(parts, entryOf(credential, this.now()), epoch);
        return credential;
      },
      (error: unknown) => {
        // A refusal (blocked, not found) means no cached token of this key may be served again.
        if (error instanceof AuthpipeError && error.status >= 400 && error.status < 500) this.cache?.delete(parts);
        throw error;
      },
    );
    this.inflight.set(flightKey, request);
    const done = () => {
      if (this.inflight.get(flightKey) === request) this.inflight.delete(flightKey);
    };
    request.then(done, done);
    return request;
  }

  private revalidate(parts: CredentialKeyParts, entry: CacheEntry<Credential>): void {
    // Whatever happens, not again for this entry until the cooldown has passed.
    entry.revalidateAfterMs = this.now() + SDK_REVALIDATE_COOLDOWN_MS;
    this.load(parts, false).catch((error: unknown) => this.onBackgroundError(error));
  }

  private async fetchCredential(parts: CredentialKeyParts, force: boolean): Promise<Credential> {
    const credential = await this.transport.json<Credential>({
      method: 'GET',
      path: `/v1/credentials/${segment(parts.provider)}`,
      query: {
        tenantId: parts.tenantId,
        userId: parts.userId,
        credentialFor: parts.credentialFor,
        ...(force ? { forceRefresh: true } : {}),
      },
      idempotent: true,
    });
    return deepFreeze(credential);
  }
}
