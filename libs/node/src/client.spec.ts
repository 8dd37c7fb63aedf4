import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { aCredential, standIn, vaultError, type Received, type StandIn } from '../test/stand-in-server';
import { Authpipe, type AuthpipeOptions } from './client';
import {
  AccessLostError,
  AppMisconfiguredError,
  AuthpipeError,
  CredentialNotFoundError,
  NeedsReauthError,
  NetworkError,
  ProviderUnavailableError,
  RateLimitedError,
  RevokedError,
} from './errors';
import { SDK_MIN_REMAINING_MS, SDK_REFRESH_AHEAD_MS } from './wire';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const CREDENTIALS = '/v1/credentials/microsoft-onedrive';
const user = (userId: string, tenantId = 'org_acme') =>
  ({ provider: 'microsoft-onedrive', tenantId, userId, credentialFor: 'user' }) as const;
const installation = (tenantId = 'org_acme') =>
  ({ provider: 'microsoft-onedrive', tenantId, credentialFor: 'installation' }) as const;

/** A promise with its resolve, to hold a reply until the test lets it go. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe(Authpipe.name, () => {
  let server: StandIn;
  let clock: number;
  const client = (options: AuthpipeOptions = {}) =>
    new Authpipe({
      secretKey: 'sk_test_1',
      baseUrl: server.url,
      now: () => clock,
      retry: { baseDelayMs: 1, maxDelayMs: 20 },
      ...options,
    });
  /** Answers every getCredential with a fresh token per request, credential id and kind from the query. */
  const issuing =
    (lifetimeMs = HOUR) =>
    (request: Received) => ({
      json: aCredential(clock, lifetimeMs, {
        credentialId: `cred_${request.query.get('credentialFor')}_${request.query.get('tenantId')}_${request.query.get('userId') ?? ''}`,
        credentialFor: request.query.get('credentialFor'),
      }),
    });

  beforeAll(async () => {
    server = await standIn();
  });
  afterAll(() => server.close());
  afterEach(() => {
    server.received.length = 0;
    vi.unstubAllEnvs();
  });
  clock = Date.now();

  describe('configuration', () => {
    it('reads AUTHPIPE_SECRET_KEY and AUTHPIPE_URL when not given', async () => {
      server.handle = issuing();
      vi.stubEnv('AUTHPIPE_SECRET_KEY', 'sk_from_env');
      vi.stubEnv('AUTHPIPE_URL', `${server.url}/`);
      await new Authpipe().getCredential(user('u1'));
      expect(server.received[0].headers.authorization).toBe('Bearer sk_from_env');
      expect(server.received[0].path).toBe(CREDENTIALS);
    });

    it('refuses to start without a secret key or a URL, naming the variable', () => {
      vi.stubEnv('AUTHPIPE_SECRET_KEY', '');
      vi.stubEnv('AUTHPIPE_URL', '');
      expect(() => new Authpipe({ baseUrl: server.url })).toThrow(/AUTHPIPE_SECRET_KEY/);
      expect(() => new Authpipe({ secretKey: 'sk' })).toThrow(/AUTHPIPE_URL/);
      expect(() => new Authpipe({ secretKey: 'sk', baseUrl: 'ftp://vault' })).toThrow(AuthpipeError);
    });
  });

  describe('getCredential', () => {
    it('asks the vault with the key, the query and a request id, and answers its body frozen', async () => {
      const body = aCredential(clock, HOUR);
      server.handle = () => ({ json: body });
      const answer = await client().getCredential(user('user_123'));
      expect(answer).toEqual(body);
      expect(Object.isFrozen(answer) && Object.isFrozen(answer.scopes)).toBe(true);
      const [request] = server.received;
      expect(request.method).toBe('GET');
      expect(Object.fromEntries(request.query)).toEqual({
        tenantId: 'org_acme',
        userId: 'user_123',
        credentialFor: 'user',
      });
      expect(request.headers.authorization).toBe('Bearer sk_test_1');
      expect(request.headers['x-request-id']).toMatch(/^[\w-]{36}$/);
    });

    it('answers a warm key from the cache without any request', async () => {
      server.handle = issuing();
      const authpipe = client();
      const first = await authpipe.getCredential(user('user_123'));
      const again = await Promise.all(Array.from({ length: 1000 }, () => authpipe.getCredential(user('user_123'))));
      expect(server.received).toHaveLength(1);
      expect(new Set(again.map((c) => c.credential))).toEqual(new Set([first.credential]));
    });

    it("never answers one user's, tenant's or kind's token for another", async () => {
      server.handle = issuing();
      const authpipe = client();
      const asked = [user('a'), user('b'), user('a', 'org_other'), installation(), installation('org_other')];
      const tokens = new Set<string>();
      for (const input of asked) tokens.add((await authpipe.getCredential(input)).credential);
      for (const input of asked) tokens.add((await authpipe.getCredential(input)).credential);
      expect(tokens.size).toBe(asked.length);
      expect(server.received).toHaveLength(asked.length);
    });

    it('sends one request for many concurrent cold reads of one key', async () => {
      const release = gate();
      server.handle = async (request) => {
        await release.promise;
        return issuing()(request);
      };
      const authpipe = client();
      const reads = Array.from({ length: 20 }, () => authpipe.getCredential(user('u1')));
      await vi.waitUntil(() => server.received.length === 1);
      release.open();
      const answers = await Promise.all(reads);
      expect(new Set(answers.map((a) => a.credential)).size).toBe(1);
      expect(server.received).toHaveLength(1);
    });

    it("lets one caller give up without failing the others' shared request", async () => {
      const release = gate();
      server.handle = async (request) => {
        await release.promise;
        return issuing()(request);
      };
      const authpipe = client();
      const controller = new AbortController();
      const impatient = authpipe.getCredential({ ...user('u1'), signal: controller.signal });
      const patient = authpipe.getCredential(user('u1'));
      await vi.waitUntil(() => server.received.length === 1);
      controller.abort();
      await expect(impatient).rejects.toThrow(/abort/i);
      release.open();
      expect((await patient).credentialId).toBe('cred_user_org_acme_u1');
      expect(server.received).toHaveLength(1);
    });

    it('renews ahead of expiry in the background, answering the cached token meanwhile', async () => {
      server.handle = issuing();
      const authpipe = client();
      const first = await authpipe.getCredential(user('u1'));
      // Inside the refresh-ahead window: still served, one background request starts.
      clock += HOUR - SDK_REFRESH_AHEAD_MS + 1000;
      const release = gate();
      server.handle = async (request) => {
        await release.promise;
        return issuing()(request);
      };
      const during = await Promise.all(Array.from({ length: 50 }, () => authpipe.getCredential(user('u1'))));
      expect(during.every((c) => c.credential === first.credential)).toBe(true);
      await vi.waitUntil(() => server.received.length === 2);
      // A read that may not use the old token any more joins the background request.
      clock += SDK_REFRESH_AHEAD_MS - SDK_MIN_REMAINING_MS;
      const joining = authpipe.getCredential(user('u1'));
      release.open();
      const renewed = await joining;
      expect(renewed.credential).not.toBe(first.credential);
      expect(await authpipe.getCredential(user('u1'))).toBe(renewed);
      expect(server.received).toHaveLength(2);
    });

    it('waits for the vault when the cached token has too little left', async () => {
      server.handle = issuing();
      const authpipe = client();
      const first = await authpipe.getCredential(user('u1'));
      clock += HOUR - SDK_MIN_REMAINING_MS;
      const next = await authpipe.getCredential(user('u1'));
      expect(next.credential).not.toBe(first.credential);
      expect(server.received).toHaveLength(2);
    });

    it('skips the cache with forceRefresh and says so to the vault', async () => {
      server.handle = issuing();
      const authpipe = client();
      await authpipe.getCredential(user('u1'));
      const forced = await authpipe.getCredential({ ...user('u1'), forceRefresh: true });
      expect(server.received[1].query.get('forceRefresh')).toBe('true');
      expect(await authpipe.getCredential(user('u1'))).toBe(forced);
      expect(server.received).toHaveLength(2);
    });

    it('drops a key whose background renewal is refused, and the next read throws the refusal', async () => {
      server.handle = issuing();
      const errors: unknown[] = [];
      const authpipe = client({ onBackgroundError: (error) => errors.push(error) });
      await authpipe.getCredential(user('u1'));
      clock += HOUR - SDK_REFRESH_AHEAD_MS + 1000;
      server.handle = () => vaultError(409, 'needs_reauth');
      await authpipe.getCredential(user('u1'));
      await vi.waitUntil(() => errors.length === 1);
      await expect(authpipe.getCredential(user('u1'))).rejects.toBeInstanceOf(NeedsReauthError);
      expect(server.received).toHaveLength(3);
    });

    it('keeps serving the valid cached token while the background renewal meets an outage', async () => {
      server.handle = issuing();
      const errors: unknown[] = [];
      const authpipe = client({ onBackgroundError: (error) => errors.push(error), retry: { retries: 0 } });
      const first = await authpipe.getCredential(user('u1'));
      clock += HOUR - SDK_REFRESH_AHEAD_MS + 1000;
      server.handle = () => vaultError(503, 'provider_unavailable', {}, { 'retry-after': '30' });
      await authpipe.getCredential(user('u1'));
      await vi.waitUntil(() => errors.length === 1);
      expect(errors[0]).toBeInstanceOf(ProviderUnavailableError);
      expect((await authpipe.getCredential(user('u1'))).credential).toBe(first.credential);
      // No second background request before the cooldown has passed.
      expect(server.received).toHaveLength(2);
    });

    it('drops entries on evict, by key or by credential id, and does not store an answer that raced an eviction', async () => {
      server.handle = issuing();
      const authpipe = client();
      const first = await authpipe.getCredential(user('u1'));
      expect(authpipe.evict(user('u1'))).toBe(1);
      await authpipe.getCredential(user('u1'));
      expect(authpipe.evict({ credentialId: first.credentialId })).toBe(1);

      const release = gate();
      server.handle = async (request) => {
        await release.promise;
        return issuing()(request);
      };
      const racing = authpipe.getCredential(user('u1'));
      await vi.waitUntil(() => server.received.length === 3);
      authpipe.evict({ credentialId: first.credentialId });
      release.open();
      await racing;
      server.handle = issuing();
      await authpipe.getCredential(user('u1'));
      expect(server.received).toHaveLength(4);
    });

    it('holds at most maxEntries keys, dropping the least recently used', async () => {
      server.handle = issuing();
      const authpipe = client({ cache: { maxEntries: 2 } });
      await authpipe.getCredential(user('a'));
      await authpipe.getCredential(user('b'));
      await authpipe.getCredential(user('a'));
      await authpipe.getCredential(user('c'));
      await authpipe.getCredential(user('a'));
      expect(server.received).toHaveLength(3);
      await authpipe.getCredential(user('b'));
      expect(server.received).toHaveLength(4);
    });

    it('refuses ids that could blur the cache key before sending anything', async () => {
      const authpipe = client();
      await expect(authpipe.getCredential(user('a\u0000b'))).rejects.toThrow(/userId/);
      await expect(authpipe.getCredential({ ...installation(), userId: 'u1' })).rejects.toThrow(/userId/);
      await expect(authpipe.getCredential({ ...user('u'), userId: undefined })).rejects.toThrow(/userId/);
      expect(server.received).toHaveLength(0);
    });
  });

  describe('errors', () => {
    const details = {
      credentialId: 'con_1',
      status: 'needs_reauth',
      aadsts: 70008,
      error: 'invalid_grant',
      action: { type: 'reauthorize', url: 'https://vault.example/connect/microsoft-onedrive?session=s' },
    };
    it.each([
      [404, 'credential_not_found', CredentialNotFoundError],
      [409, 'needs_reauth', NeedsReauthError],
      [409, 'revoked', RevokedError],
      [409, 'access_lost', AccessLostError],
      [409, 'app_misconfigured', AppMisconfiguredError],
      [503, 'provider_unavailable', ProviderUnavailableError],
      [429, 'rate_limited', RateLimitedError],
      [400, 'invalid_request', AuthpipeError],
    ] as const)('answers %i %s with its typed error', async (status, code, Class) => {
      server.handle = () => vaultError(status, code, { remediation: 'Do this.', details }, { 'retry-after': '7' });
      const error = await client({ retry: { retries: 0 } })
        .getCredential(user('u1'))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Class);
      expect(error).toMatchObject({ code, status, remediation: 'Do this.', retryAfter: 7, name: Class.name });
      expect((error as AuthpipeError).requestId).toBe(server.received[0].headers['x-request-id']);
    });

    it('gives a blocked credential its link, id and Microsoft code', async () => {
      server.handle = () => vaultError(409, 'needs_reauth', { details });
      const error = (await client()
        .getCredential(user('u1'))
        .catch((e: unknown) => e)) as NeedsReauthError;
      expect(error.reauthUrl).toBe(details.action.url);
      expect(error).toMatchObject({ credentialId: 'con_1', aadsts: 70008, actionUrl: details.action.url });
    });

    it('answers a body not in the vault shape with a generic error carrying the status', async () => {
      server.handle = () => ({ status: 502, body: '<html>bad gateway</html>' });
      const error = await client({ retry: { retries: 0 } })
        .getCredential(user('u1'))
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'http_502', status: 502 });
    });
  });

  describe('retries', () => {
    it('retries an idempotent request after 5xx answers and dropped connections, with backoff', async () => {
      let calls = 0;
      server.handle = (request) => {
        calls++;
        if (calls === 1) return { destroy: true };
        if (calls === 2) return vaultError(500, 'internal_error');
        return issuing()(request);
      };
      await client().getCredential(user('u1'));
      expect(server.received).toHaveLength(3);
    });

    it('gives up after the configured retries with a network error', async () => {
      server.handle = () => ({ destroy: true });
      const error = await client({ retry: { retries: 1, baseDelayMs: 1 } })
        .getCredential(user('u1'))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NetworkError);
      expect(error).toMatchObject({ code: 'network_error', status: 0 });
      expect(server.received).toHaveLength(2);
    });

    it('times out an attempt whose answer does not come, but not a body that keeps streaming', async () => {
      server.handle = () => ({ hang: true });
      const error = await client({ timeoutMs: 100, retry: { retries: 0 } })
        .getCredential(user('u1'))
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'timeout', status: 0 });

      server.handle = () => ({
        headers: { 'authpipe-upstream': 'microsoft-graph' },
        slowBody: { pieces: Array.from({ length: 4 }, () => Buffer.alloc(1024, 1)), everyMs: 60 },
      });
      const response = await client({ timeoutMs: 100 }).proxy({
        path: 'me/drive/items/1/content',
        tenantId: 'org_acme',
      });
      expect((await response.arrayBuffer()).byteLength).toBe(4096);
    });

    it('never retries a 4xx, nor a request that is not idempotent', async () => {
      server.handle = () => vaultError(429, 'rate_limited', {}, { 'retry-after': '1' });
      await expect(client().getCredential(user('u1'))).rejects.toBeInstanceOf(RateLimitedError);
      expect(server.received).toHaveLength(1);
      server.handle = () => vaultError(500, 'internal_error');
      await expect(
        client().createConnectSession({ tenantId: 'org_acme', credentialFor: 'installation' }),
      ).rejects.toMatchObject({ code: 'internal_error' });
      expect(server.received).toHaveLength(2);
    });

    it("waits out the vault's 429 within maxRateLimitWaitMs, and never Graph's 429 through the proxy", async () => {
      let calls = 0;
      server.handle = (request) => {
        if (request.path.startsWith('/v1/proxy/'))
          return { status: 429, headers: { 'authpipe-upstream': 'microsoft-graph', 'retry-after': '0' }, json: {} };
        calls += 1;
        return calls === 1 ? vaultError(429, 'rate_limited', {}, { 'retry-after': '0' }) : issuing()(request);
      };
      const authpipe = client({ retry: { retries: 0, maxRateLimitWaitMs: 1000 } });
      await expect(authpipe.getCredential(user('u1'))).resolves.toMatchObject({
        credentialId: 'cred_user_org_acme_u1',
      });
      expect(server.on(CREDENTIALS)).toHaveLength(2);
      const graph = await authpipe.proxy({ path: 'me', tenantId: 'org_acme' });
      expect(graph.status).toBe(429);
      expect(server.received.filter((r) => r.path.startsWith('/v1/proxy/'))).toHaveLength(1);
    });

    it('throws the 429 at once when its Retry-After is beyond maxRateLimitWaitMs', async () => {
      server.handle = () => vaultError(429, 'rate_limited', {}, { 'retry-after': '5' });
      const error = await client({ retry: { maxRateLimitWaitMs: 1000 } })
        .getCredential(user('u1'))
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'rate_limited', retryAfter: 5 });
      expect(server.received).toHaveLength(1);
    });

    it('does not wait out a Retry-After longer than the longest backoff', async () => {
      server.handle = () => vaultError(503, 'provider_unavailable', {}, { 'retry-after': '120' });
      const error = await client()
        .getCredential(user('u1'))
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'provider_unavailable', retryAfter: 120 });
      expect(server.received).toHaveLength(1);
    });
  });

  describe('connect sessions, installations and connections', () => {
    it('mints a connect session with the provider defaulted', async () => {
      const session = { id: 'cs_1', token: 'cst_x', url: 'https://v/connect?session=cst_x', expiresAt: 'x' };
      server.handle = () => ({ status: 201, json: session });
      const answer = await client().createConnectSession({ tenantId: 'org_acme', userId: 'u1', credentialFor: 'user' });
      expect(answer).toEqual(session);
      expect(server.received[0]).toMatchObject({ method: 'POST', path: '/v1/connect-sessions' });
      expect(JSON.parse(server.received[0].body.toString())).toEqual({
        provider: 'microsoft-onedrive',
        tenantId: 'org_acme',
        userId: 'u1',
        credentialFor: 'user',
      });
    });

    it('lists with filters and cursors, and gets one by id', async () => {
      server.handle = () => ({ json: { data: [{ id: 'con_1' }], nextCursor: 'c2' } });
      const page = await client().listConnections({ tenantId: 'org_acme', status: 'active', limit: 10, cursor: 'c1' });
      expect(page).toEqual({ data: [{ id: 'con_1' }], nextCursor: 'c2' });
      expect(server.received[0].path).toBe('/v1/connections');
      expect(Object.fromEntries(server.received[0].query)).toEqual({
        tenantId: 'org_acme',
        status: 'active',
        limit: '10',
        cursor: 'c1',
      });
      await client().listInstallations();
      await client().getInstallation('ins/1');
      expect(server.received.map((r) => r.url).slice(1)).toEqual(['/v1/installations', '/v1/installations/ins%2F1']);
    });

    it('deletes a connection and drops its cached token', async () => {
      server.handle = (request) =>
        request.method === 'DELETE' ? { status: 204 } : { json: aCredential(clock, HOUR, { credentialId: 'con_9' }) };
      const authpipe = client();
      await authpipe.getCredential(user('u1'));
      await authpipe.deleteConnection('con_9');
      await authpipe.getCredential(user('u1'));
      expect(server.received.map((r) => `${r.method} ${r.path}`)).toEqual([
        `GET ${CREDENTIALS}`,
        'DELETE /v1/connections/con_9',
        `GET ${CREDENTIALS}`,
      ]);
    });

    it('deletes an installation and drops its cached token', async () => {
      server.handle = (request) =>
        request.method === 'DELETE'
          ? { status: 204 }
          : { json: aCredential(clock, HOUR, { credentialId: 'ins_9', credentialFor: 'installation' }) };
      const authpipe = client();
      await authpipe.getCredential(installation());
      await authpipe.deleteInstallation('ins_9');
      await authpipe.getCredential(installation());
      expect(server.on(CREDENTIALS)).toHaveLength(2);
      expect(server.on('/v1/installations/ins_9')[0].method).toBe('DELETE');
    });
  });

  describe('proxy', () => {
    it('sends the Graph path with the tenant and user headers and answers Graph as it is', async () => {
      server.handle = () => ({ status: 200, headers: { 'authpipe-upstream': 'microsoft-graph' }, json: { value: [] } });
      const response = await client().proxy({
        path: '/me/drive/root/children?$top=5',
        tenantId: 'org_acme',
        userId: 'user_123',
      });
      expect(await response.json()).toEqual({ value: [] });
      const [request] = server.received;
      expect(request.url).toBe('/v1/proxy/microsoft-onedrive/me/drive/root/children?$top=5');
      expect(request.headers).toMatchObject({
        'authpipe-tenant-id': 'org_acme',
        'authpipe-user-id': 'user_123',
        authorization: 'Bearer sk_test_1',
      });
    });

    it('names no user for the installation, streams a request body in and the response body out', async () => {
      const big = Buffer.alloc(3 * 1024 * 1024, 7);
      server.handle = (request) => ({
        status: 201,
        headers: { 'authpipe-upstream': 'microsoft-graph' },
        body: request.body,
      });
      const response = await client().proxy({
        method: 'PUT',
        path: 'drives/d1/root:/big.bin:/content',
        tenantId: 'org_acme',
        body: Readable.from([big.subarray(0, 1024), big.subarray(1024)]),
      });
      expect(server.received[0].headers['authpipe-user-id']).toBeUndefined();
      let streamed = 0;
      for await (const part of response.body!) streamed += part.byteLength;
      expect(streamed).toBe(big.byteLength);
    });

    it("passes Graph's errors and redirects back, and throws the vault's own refusals typed", async () => {
      server.handle = () => ({
        status: 302,
        headers: { 'authpipe-upstream': 'microsoft-graph', location: 'https://download.example/x' },
      });
      const redirect = await client().proxy({ path: 'me/drive/items/1/content', tenantId: 'org_acme', userId: 'u' });
      expect(redirect.status).toBe(302);
      server.handle = () => ({
        status: 404,
        headers: { 'authpipe-upstream': 'microsoft-graph' },
        json: { error: { code: 'itemNotFound' } },
      });
      expect((await client().proxy({ path: 'me/drive/items/2', tenantId: 'org_acme', userId: 'u' })).status).toBe(404);
      server.handle = () => vaultError(404, 'credential_not_found');
      await expect(client().proxy({ path: 'me/drive', tenantId: 'org_acme', userId: 'u' })).rejects.toBeInstanceOf(
        CredentialNotFoundError,
      );
    });

    it('refuses a path that would leave the proxy for another vault route, sending nothing', async () => {
      for (const path of ['../../v1/tenants', 'me/%2e%2E/x', 'a/./b', 'me\\drive', '..']) {
        await expect(client().proxy({ path, tenantId: 'org_acme' })).rejects.toThrow(/dot segments/);
      }
      expect(server.received).toHaveLength(0);
    });

    it("drops the cached token of the credential Graph answered 401 for, and no one else's", async () => {
      const authpipe = client();
      server.handle = (request) =>
        request.path.startsWith('/v1/proxy/')
          ? {
              status: 401,
              headers: { 'authpipe-upstream': 'microsoft-graph' },
              json: { error: { code: 'InvalidAuthenticationToken' } },
            }
          : issuing()(request);
      await authpipe.getCredential(user('u1'));
      await authpipe.getCredential(user('u2'));
      const response = await authpipe.proxy({ path: 'me/drive', tenantId: 'org_acme', userId: 'u1' });
      expect(response.status).toBe(401);
      await authpipe.getCredential(user('u1'));
      await authpipe.getCredential(user('u2'));
      expect(server.on(CREDENTIALS).map((r) => r.query.get('userId'))).toEqual(['u1', 'u2', 'u1']);
    });

    it("drops the cached token the vault says it refreshed after Graph's 401, on a retried 200 too", async () => {
      const authpipe = client();
      server.handle = (request) =>
        request.path.startsWith('/v1/proxy/')
          ? {
              status: 200,
              headers: {
                'authpipe-upstream': 'microsoft-graph',
                'authpipe-credential-refreshed': 'cred_user_org_acme_u1',
              },
              json: { id: 'me' },
            }
          : issuing()(request);
      await authpipe.getCredential(user('u1'));
      await authpipe.getCredential(user('u2'));
      const response = await authpipe.proxy({ path: 'me', tenantId: 'org_acme', userId: 'u1' });
      expect(response.status).toBe(200);
      await authpipe.getCredential(user('u1'));
      await authpipe.getCredential(user('u2'));
      expect(server.on(CREDENTIALS).map((r) => r.query.get('userId'))).toEqual(['u1', 'u2', 'u1']);
    });
  });
});
