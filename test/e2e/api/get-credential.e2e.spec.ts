import { servedCredentialSchema } from '@authpipe/contract';
// GET /v1/credentials/:provider through HTTP against the real vault and msal-node talking to the
// emulator: both kinds, on-demand refresh, single flight, refusals with their links, outages,
// isolation, the served-credential cache and its invalidation, the read audit.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { formatApiKey, parseApiKey } from '../../../apps/vault/src/api-keys/api-key-format';
import { ApiKeysService } from '../../../apps/vault/src/api-keys/api-keys.service';
import { asTenantExternalId } from '../../../apps/vault/src/common/tenant-ids';
import { CredentialReadAudit } from '../../../apps/vault/src/get-credential/credential-read-audit';
import { MIN_SERVED_LIFETIME_MS } from '../../../apps/vault/src/get-credential/get-credential.service';
import { ServedCredentialCache } from '../../../apps/vault/src/get-credential/served-credential-cache';
import { ConnectionsService } from '../../../apps/vault/src/connections/connections.service';
import { FORCED_REFRESH_INTERVAL_MS, NEAR_EXPIRY_MS } from '../../../apps/vault/src/refresh/refresh-timing';
import {
  aConnection,
  aCredentialWorld,
  aLiveConnection,
  anInstallation,
  aProject,
  bearer,
  HOUR_MS,
  type RegisteredApp,
  type TestProject,
} from '@test/support/builders';
import { SEED, useTestEmulator } from '@test/support/test-emulator';
import { createTestVault, PUBLIC_URL, useTestVault } from '@test/support/test-vault';

const PROVIDER = 'microsoft-onedrive';
const CONTOSO = SEED.contoso.tenantId;

describe('GET /v1/credentials/:provider (e2e)', () => {
  const t = useTestEmulator();
  const vault = useTestVault(() => ({ emulator: t }));
  let project: TestProject;
  let registered: RegisteredApp;
  let appId: string;
  let tenants = 0;

  beforeAll(async () => {
    ({ project, registered, appId } = await aCredentialWorld(vault, t));
  });

  const aTenant = () => `org_get_${++tenants}`;
  const get = (query: Record<string, string>, key = project.key) =>
    vault.api().get(`/v1/credentials/${PROVIDER}`).query(query).set(bearer(key));
  const userQuery = (tenantId: string, userId: string, extra: Record<string, string> = {}) => ({
    tenantId,
    userId,
    credentialFor: 'user',
    ...extra,
  });
  const live = (tenantId: string) =>
    aLiveConnection(vault, t, { projectId: project.projectId, appId, tenantId }, registered);

  describe('serving', () => {
    it("answers a user's valid delegated token with its account, cloud and Graph base", async () => {
      const tenantId = aTenant();
      const { id, oid, userId } = await live(tenantId);
      const res = await get(userQuery(tenantId, userId)).expect(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toEqual({
        credential: expect.stringMatching(/^placeholder-access-/),
        tokenType: 'Bearer',
        expiresAt: vault.clock.date(HOUR_MS).toISOString(),
        scopes: ['User.Read', 'offline_access'],
        credentialId: id,
        credentialFor: 'user',
        cloud: 'custom',
        graphBaseUrl: `${t.customEndpoints.graphUrl}/v1.0`,
        account: { oid, tid: CONTOSO, upn: `${userId}@contoso.com` },
        resource: null,
        status: 'active',
      });
      // Exactly the contract's answer, which the SDKs parse.
      expect(servedCredentialSchema.strict().safeParse(res.body).success).toBe(true);
    });

    it("answers an installation's app-only token, re-minted with client credentials when near expiry", async () => {
      const tenantId = aTenant();
      const id = await anInstallation(vault, { projectId: project.projectId, appId, tenantId });
      const first = await get({ tenantId, credentialFor: 'installation' }).expect(200);
      expect(first.body).toMatchObject({ credentialId: id, credentialFor: 'installation', account: null });
      expect(first.body.resource).toEqual({
        kind: 'drive',
        driveId: SEED.contoso.marketingSite.driveId,
        siteId: null,
        webUrl: null,
      });
      expect(servedCredentialSchema.strict().safeParse(first.body).success).toBe(true);

      const calls = t.tokenCalls('client_credentials');
      vault.clock.advance(HOUR_MS - NEAR_EXPIRY_MS + 1000);
      const renewed = await get({ tenantId, credentialFor: 'installation' }).expect(200);
      expect(t.tokenCalls('client_credentials')).toBe(calls + 1);
      expect(renewed.body.credential).not.toBe(first.body.credential);
      expect(renewed.body.credential.split('.')).toHaveLength(3);
      expect(Date.parse(renewed.body.expiresAt) - vault.clock.nowMs).toBeGreaterThan(NEAR_EXPIRY_MS);
      expect(renewed.body.scopes.sort()).toEqual(['Files.ReadWrite.All', 'Sites.ReadWrite.All']);
    });

    it('refreshes an expired user token on demand and keeps the rotated refresh token', async () => {
      const tenantId = aTenant();
      const { id, userId } = await live(tenantId);
      const connections = vault.get(ConnectionsService);
      const before = await connections.readTokens(await connections.find(project.projectId, id));
      vault.clock.advance(2 * HOUR_MS);

      const res = await get(userQuery(tenantId, userId)).expect(200);

      expect(Date.parse(res.body.expiresAt)).toBeGreaterThan(vault.clock.nowMs + NEAR_EXPIRY_MS);
      const after = await connections.readTokens(await connections.find(project.projectId, id));
      expect(res.body.credential).toBe(after?.accessToken);
      expect(after?.refreshToken).not.toBe(before?.refreshToken);
    });

    it('reaches the token endpoint exactly once for 50 concurrent reads of one expired token', async () => {
      const tenantId = aTenant();
      const { userId } = await live(tenantId);
      vault.clock.advance(2 * HOUR_MS);
      const calls = t.tokenCalls('refresh_token');

      const answers = await Promise.all(Array.from({ length: 50 }, () => get(userQuery(tenantId, userId))));

      expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
      expect(new Set(answers.map((a) => a.body.credential)).size).toBe(1);
      expect(t.tokenCalls('refresh_token')).toBe(calls + 1);
    });

    it('reaches the token endpoint once when two vaults on one database read the same expired token', async () => {
      const tenantId = aTenant();
      const { userId } = await live(tenantId);
      vault.clock.advance(2 * HOUR_MS);
      const other = await createTestVault({ database: vault.db, clock: vault.clock, emulator: t, env: vault.env });
      try {
        const calls = t.tokenCalls('refresh_token');
        const read = (v: typeof other) =>
          v.api().get(`/v1/credentials/${PROVIDER}`).query(userQuery(tenantId, userId)).set(bearer(project.key));
        const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => read(i % 2 === 0 ? vault : other)));
        expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
        expect(new Set(answers.map((a) => a.body.credential)).size).toBe(1);
        expect(t.tokenCalls('refresh_token')).toBe(calls + 1);
      } finally {
        await other.close();
      }
    });

    it('honours forceRefresh at most once per credential per interval', async () => {
      const tenantId = aTenant();
      const { userId } = await live(tenantId);
      vault.clock.advance(FORCED_REFRESH_INTERVAL_MS);
      const calls = t.tokenCalls('refresh_token');
      const forced = await get(userQuery(tenantId, userId, { forceRefresh: 'true' })).expect(200);
      const again = await get(userQuery(tenantId, userId, { forceRefresh: 'true' })).expect(200);
      expect(t.tokenCalls('refresh_token')).toBe(calls + 1);
      expect(again.body.credential).toBe(forced.body.credential);
      expect(forced.body.credential).not.toMatch(/^placeholder-access-/);
    });
  });

  describe('request log', () => {
    // One request line per request, as on every route, though the route binds the request to
    // its log lines only where it may log (`ownLogContext`).
    const linesOf = (requestId: string) =>
      vault.logs.records().filter((r) => (r.req as { id?: string } | undefined)?.id === requestId);

    it('writes one line per read, warm or cold, with the request id, status and time, never the token or query', async () => {
      const tenantId = aTenant();
      const { userId } = await live(tenantId);
      const cold = await get(userQuery(tenantId, userId)).set('x-request-id', 'trace-get-cold').expect(200);
      const warm = await get(userQuery(tenantId, userId)).set('x-request-id', 'trace-get-warm').expect(200);
      // The warm answer is the cold one, byte for byte (its JSON is kept with the cached answer).
      expect(warm.text).toBe(cold.text);
      expect(warm.headers['content-type']).toBe('application/json; charset=utf-8');
      for (const id of ['trace-get-cold', 'trace-get-warm']) {
        await expect.poll(() => linesOf(id).length).toBe(1);
        expect(linesOf(id)[0]).toMatchObject({
          level: 30,
          msg: 'request completed',
          req: { id, method: 'GET', path: `/v1/credentials/${PROVIDER}` },
          res: { statusCode: 200 },
          responseTime: expect.any(Number),
        });
      }
      const written = JSON.stringify(vault.logs.records());
      expect(written).not.toContain(cold.body.credential);
      expect(written).not.toContain(project.key);
      expect(written).not.toContain(`tenantId=${tenantId}`);
    });

    it('writes a refusal at warn level with its error code', async () => {
      await get(userQuery(aTenant(), 'user_nobody')).set('x-request-id', 'trace-get-404').expect(404);
      await get(userQuery(aTenant(), 'user_nobody'), 'ap_sk_not_a_key')
        .set('x-request-id', 'trace-get-401')
        .expect(401);
      await expect.poll(() => linesOf('trace-get-404').length).toBe(1);
      expect(linesOf('trace-get-404')[0]).toMatchObject({
        level: 40,
        res: { statusCode: 404, errorCode: 'credential_not_found' },
      });
      await expect.poll(() => linesOf('trace-get-401').length).toBe(1);
      expect(linesOf('trace-get-401')[0]).toMatchObject({
        level: 40,
        res: { statusCode: 401, errorCode: 'invalid_api_key' },
      });
    });

    it('writes one line for the paths next to the route too (empty provider, trailing slash)', async () => {
      await vault.api().get('/v1/credentials/').set('x-request-id', 'trace-get-empty').expect(401);
      await vault.api().get(`/v1/credentials/${PROVIDER}/`).set('x-request-id', 'trace-get-slash').expect(404);
      await expect.poll(() => linesOf('trace-get-empty').length).toBe(1);
      await expect.poll(() => linesOf('trace-get-slash').length).toBe(1);
      // Nothing else is coming: a later request's line is there, and still one line for each.
      await vault.api().get('/healthz').set('x-request-id', 'trace-get-after').expect(200);
      await expect.poll(() => linesOf('trace-get-after').length).toBe(1);
      expect(linesOf('trace-get-empty')).toHaveLength(1);
      expect(linesOf('trace-get-slash')[0]).toMatchObject({ res: { statusCode: 404, errorCode: 'not_found' } });
    });
  });

  describe('refusals', () => {
    it('refuses with a working re-authorization link when the user sessions were revoked', async () => {
      const tenantId = aTenant();
      const { id, oid, userId } = await live(tenantId);
      vault.clock.advance(1000);
      t.emulator.store.revokeSignInSessions(CONTOSO, oid);
      vault.clock.advance(2 * HOUR_MS);

      const res = await get(userQuery(tenantId, userId)).expect(409);

      expect(res.body.error).toMatchObject({
        // Revoked sessions (AADSTS50173): the user signs in again.
        code: 'needs_reauth',
        remediation: expect.any(String),
        details: {
          credentialId: id,
          status: 'needs_reauth',
          aadsts: 50173,
          action: { type: 'reauthorize', url: expect.stringContaining(`${PUBLIC_URL}/connect/${PROVIDER}?session=`) },
        },
      });
      // The link starts the user's flow, and asking again hands out the same link.
      const link = new URL(res.body.error.details.action.url);
      const page = await vault.api().get(`${link.pathname}${link.search}`);
      expect(page.status).toBeLessThan(400);
      const again = await get(userQuery(tenantId, userId)).expect(409);
      expect(again.body.error.details.action.url).toBe(res.body.error.details.action.url);
    });

    it('answers provider_unavailable with Retry-After when Microsoft is down and the token has expired', async () => {
      const tenantId = aTenant();
      const { id, userId } = await live(tenantId);
      vault.clock.advance(2 * HOUR_MS);
      await t.control('POST', '/faults', { kind: 'status', status: 503, pathPrefix: '/', count: 10 });
      try {
        const res = await get(userQuery(tenantId, userId)).expect(503);
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        expect(res.body.error).toMatchObject({
          code: 'provider_unavailable',
          details: { credentialId: id, status: 'degraded' },
        });
      } finally {
        await t.control('DELETE', '/faults');
      }
    });

    it('serves a still-valid token while Microsoft is down, marked degraded', async () => {
      const tenantId = aTenant();
      const { userId } = await live(tenantId);
      // Inside the near-expiry window but with more than the minimum left.
      vault.clock.advance(HOUR_MS - NEAR_EXPIRY_MS + MIN_SERVED_LIFETIME_MS);
      await t.control('POST', '/faults', { kind: 'status', status: 503, pathPrefix: '/', count: 10 });
      try {
        const res = await get(userQuery(tenantId, userId)).expect(200);
        expect(res.body).toMatchObject({
          status: 'degraded',
          credential: expect.stringMatching(/^placeholder-access-/),
        });
        expect(Date.parse(res.body.expiresAt) - vault.clock.nowMs).toBeGreaterThan(MIN_SERVED_LIFETIME_MS);
      } finally {
        await t.control('DELETE', '/faults');
      }
    });

    it('answers credential_not_found for a missing user, and identically for another project and tenant', async () => {
      const tenantId = aTenant();
      const { userId } = await live(tenantId);
      const other = await aProject(vault, 'other');
      const theirs = await get(userQuery(tenantId, userId), other.key).expect(404);
      const missing = await get(userQuery(tenantId, userId), (await aProject(vault, 'empty')).key).expect(404);
      expect(theirs.body).toEqual(missing.body);
      expect(theirs.body.error.code).toBe('credential_not_found');
      const installation = await get({ tenantId, credentialFor: 'installation' }).expect(404);
      expect(installation.body.error.remediation).toContain('credentialFor installation');
    });

    it('refuses bad queries with invalid_request naming the field', async () => {
      const tenantId = aTenant();
      const cases: [Record<string, string>, string][] = [
        [{ tenantId }, 'credentialFor'],
        [{ tenantId, credentialFor: 'user' }, 'userId'],
        [{ tenantId, credentialFor: 'installation', userId: 'u' }, 'userId'],
        [{ tenantId, credentialFor: 'user', userId: 'a\u0001b' }, 'userId'],
        [{ tenantId, credentialFor: 'installation', forceRefresh: 'yes' }, 'forceRefresh'],
      ];
      for (const [query, field] of cases) {
        const res = await get(query).expect(400);
        expect(res.body.error.code).toBe('invalid_request');
        expect(JSON.stringify(res.body.error.details)).toContain(field);
      }
    });
  });

  describe('cache', () => {
    it('answers a warm read only to the right key: another secret under its public id, or the key once revoked, is refused', async () => {
      const tenantId = aTenant();
      const userId = 'user_warm_key';
      const own = await vault.get(ApiKeysService).create(project.projectId, { name: 'warm' });
      await aConnection(vault, { projectId: project.projectId, appId, tenantId, userId });
      await get(userQuery(tenantId, userId), own.secretKey).expect(200);
      await get(userQuery(tenantId, userId), own.secretKey).expect(200);
      // Same public id, another secret, a valid checksum: the key's entries are warm, this is not it.
      const parsed = parseApiKey(own.secretKey)!;
      const forged = formatApiKey({ publicId: parsed.publicId, secret: 'z'.repeat(40) });
      const wrong = await get(userQuery(tenantId, userId), forged).expect(401);
      expect(wrong.body.error.code).toBe('invalid_api_key');
      await vault.get(ApiKeysService).revoke(project.projectId, own.id);
      const revoked = await get(userQuery(tenantId, userId), own.secretKey).expect(401);
      expect(revoked.body.error.code).toBe('revoked_api_key');
    });

    it('answers warm reads from memory and drops the entry when the credential changes', async () => {
      const tenantId = aTenant();
      const userId = 'user_cached';
      const base = { projectId: project.projectId, appId, tenantId, userId };
      await aConnection(vault, base, { accessToken: 'first-token' });
      const cache = vault.get(ServedCredentialCache);
      const lookup = {
        projectId: project.projectId,
        provider: PROVIDER,
        tenantExternalId: asTenantExternalId(tenantId),
        credentialFor: 'user' as const,
        userId,
      };

      expect((await get(userQuery(tenantId, userId)).expect(200)).body.credential).toBe('first-token');
      expect(cache.get(lookup)?.body).toMatchObject({ credential: 'first-token' });

      // A re-authorization (through another replica or this one) publishes credential.changed.
      await aConnection(vault, base, { accessToken: 'second-token' });
      expect(cache.get(lookup)).toBeUndefined();
      expect((await get(userQuery(tenantId, userId)).expect(200)).body.credential).toBe('second-token');

      const id = (await get(userQuery(tenantId, userId))).body.credentialId as string;
      await vault.api().delete(`/v1/connections/${id}`).set(bearer(project.key)).expect(204);
      await get(userQuery(tenantId, userId)).expect(404);
    });

    it('drops a served credential on another replica when it changes here', async () => {
      const tenantId = aTenant();
      const base = { projectId: project.projectId, appId, tenantId, userId: 'user_replicas' };
      await aConnection(vault, base, { accessToken: 'before' });
      const other = await createTestVault({ database: vault.db, clock: vault.clock, emulator: t, env: vault.env });
      try {
        const read = () =>
          other
            .api()
            .get(`/v1/credentials/${PROVIDER}`)
            .query(userQuery(tenantId, 'user_replicas'))
            .set(bearer(project.key));
        expect((await read().expect(200)).body.credential).toBe('before');
        await aConnection(vault, base, { accessToken: 'after' });
        // On PostgreSQL the other replica hears of the change through NOTIFY, a moment after the
        // commit; without that message it would keep serving 'before' for the cache's whole TTL.
        await vi.waitFor(async () => expect((await read().expect(200)).body.credential).toBe('after'), {
          timeout: 5_000,
          interval: 20,
        });
      } finally {
        await other.close();
      }
    });

    it('never serves from the cache a token inside the near-expiry window', async () => {
      const tenantId = aTenant();
      const { userId } = await live(tenantId);
      const first = await get(userQuery(tenantId, userId)).expect(200);
      vault.clock.advance(HOUR_MS - NEAR_EXPIRY_MS);
      const second = await get(userQuery(tenantId, userId)).expect(200);
      expect(second.body.credential).not.toBe(first.body.credential);
    });
  });

  it('audits which key read which credential, per minute, without a write per read', async () => {
    const tenantId = aTenant();
    const id = await aConnection(vault, { projectId: project.projectId, appId, tenantId, userId: 'user_audit' });
    const audit = vault.get(CredentialReadAudit);
    await audit.flush();
    for (let i = 0; i < 5; i++) await get(userQuery(tenantId, 'user_audit')).expect(200);
    const before = await vault.db.prisma.credentialRead.count({ where: { credentialId: id } });
    expect(before).toBe(0);
    expect(audit.pendingLines).toBeGreaterThan(0);

    await audit.flush();

    const rows = await vault.db.prisma.credentialRead.findMany({ where: { credentialId: id } });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ projectId: project.projectId, credentialKind: 'connection', count: 5 });
    expect(rows[0].apiKeyId).toEqual(expect.any(String));
    expect(JSON.stringify(rows)).not.toContain('canary');
  });
});
