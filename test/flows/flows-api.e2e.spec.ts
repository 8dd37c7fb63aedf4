// The /v1 API of the flows foundation through HTTP: the real vault (createVaultApp, Fastify,
// real database and keys), the real emulator for app checks. Tokens of installations and
// connections are seeded through the services the OAuth flows call.
import { generateKeyPairSync } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../apps/microsoft-emulator/src/emulator';
import { SEED } from '../../apps/microsoft-emulator/src/directory/seed';
import { ConnectionsService } from '../../apps/vault/src/connections/connections.service';
import { InstallationsService } from '../../apps/vault/src/installations/installations.service';
import { MicrosoftGateway } from '../../apps/vault/src/oauth/microsoft-gateway';
import { dumpDatabase } from '../keys/db-dump';
import { bearer, createProjectWithKey } from '../e2e/support/fixtures';
import { startVault, type VaultHarness } from '../e2e/support/vault-harness';

const ACCESS_CANARY = 'canary-access-token-0b7e4f';
const REFRESH_CANARY = 'canary-refresh-token-9d21aa';
const WRONG_SECRET = 'canary-wrong-client-secret-51c0';

describe('flows foundation API (e2e)', () => {
  let vault: VaultHarness;
  let emulator: RunningEmulator;
  let p1: { projectId: string; key: string };
  let p2: { projectId: string; key: string };
  const api = () => request(vault.server());

  const appBody = (overrides: Record<string, unknown> = {}) => ({
    name: 'OneDrive',
    clientId: SEED.demoApp.clientId,
    credential: { type: 'secret', secret: SEED.demoApp.secretValue },
    cloud: 'custom',
    endpoints: { loginUrl: emulator.baseUrl, graphUrl: emulator.baseUrl },
    homeTenantId: SEED.contoso.tenantId,
    allowedOrigins: ['https://app.example.com'],
    ...overrides,
  });

  async function createApp(project: { key: string }, overrides: Record<string, unknown> = {}): Promise<string> {
    const res = await api().post('/v1/apps').set(bearer(project.key)).send(appBody(overrides));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  }

  beforeAll(async () => {
    emulator = await startEmulator({ dataDir: null });
    vault = await startVault({ AUTHPIPE_PUBLIC_URL: 'https://vault.example.test' });
    vault.app.get(MicrosoftGateway).configure({ caCertificates: [emulator.caCertPem], timeoutMs: 10_000 });
    p1 = await createProjectWithKey(vault.app, 'one');
    p2 = await createProjectWithKey(vault.app, 'two');
  }, 120_000);

  afterAll(async () => {
    await vault?.close();
    await emulator?.close();
  });

  describe('GET /v1/providers', () => {
    it('lists microsoft-onedrive with described scopes and clouds', async () => {
      const res = await api().get('/v1/providers').set(bearer(p1.key)).expect(200);
      const [provider] = res.body.data;
      expect(provider).toMatchObject({
        id: 'microsoft-onedrive',
        clouds: ['global', 'usgov-l4', 'usgov-l5', 'china', 'custom'],
      });
      expect(provider.userScopes.find((s: { name: string }) => s.name === 'offline_access')).toMatchObject({
        required: true,
      });
    });

    it('answers 401 without an API key', async () => {
      const res = await api().get('/v1/providers').expect(401);
      expect(res.body.error.code).toBe('missing_api_key');
    });
  });

  describe('/v1/apps', () => {
    it('creates, reads, lists and updates an app without ever returning its secret', async () => {
      const id = await createApp(p1);
      const got = await api().get(`/v1/apps/${id}`).set(bearer(p1.key)).expect(200);
      const listed = await api().get('/v1/apps?provider=microsoft-onedrive').set(bearer(p1.key)).expect(200);
      const patched = await api()
        .patch(`/v1/apps/${id}`)
        .set(bearer(p1.key))
        .send({ name: 'Renamed', allowedOrigins: ['https://b.example.com'] })
        .expect(200);
      expect(patched.body).toMatchObject({
        name: 'Renamed',
        allowedOrigins: ['https://b.example.com'],
        status: 'unchecked',
      });
      expect(listed.body.data.map((a: { id: string }) => a.id)).toContain(id);
      for (const body of [got.body, listed.body, patched.body])
        expect(JSON.stringify(body)).not.toContain(SEED.demoApp.secretValue);
    });

    it('refuses an unknown scope with invalid_scope and the known list', async () => {
      const res = await api()
        .post('/v1/apps')
        .set(bearer(p1.key))
        .send(appBody({ userScopes: ['offline_access', 'User.Read', 'Mail.Read'] }))
        .expect(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_scope', details: { unknown: ['Mail.Read'] } });
      expect(res.body.error.details.known).toContain('Files.ReadWrite.All');
    });

    it('refuses user scopes without offline_access with scopes_missing_offline_access', async () => {
      const res = await api()
        .post('/v1/apps')
        .set(bearer(p1.key))
        .send(appBody({ userScopes: ['User.Read'] }))
        .expect(400);
      expect(res.body.error.code).toBe('scopes_missing_offline_access');
    });

    it('refuses malformed input with invalid_request and never echoes the secret', async () => {
      const res = await api()
        .post('/v1/apps')
        .set(bearer(p1.key))
        .send(
          appBody({
            clientId: 'not-a-guid',
            credential: { type: 'secret', secret: WRONG_SECRET },
            redirectUris: ['http://example.com/cb'],
          }),
        )
        .expect(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect(res.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
        'clientId',
        'redirectUris.0',
      ]);
      expect(JSON.stringify(res.body)).not.toContain(WRONG_SECRET);
    });

    it('refuses a certificate whose key does not match with invalid_certificate', async () => {
      const other = unrelatedRsaKeyPem();
      const res = await api()
        .post('/v1/apps')
        .set(bearer(p1.key))
        .send(
          appBody({
            credential: {
              type: 'certificate',
              certificatePem: emulator.demoAppCertificate.certificatePem,
              privateKeyPem: other,
            },
          }),
        )
        .expect(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_certificate', details: { reason: 'key_mismatch' } });
    });

    it('checks an app against its home directory and stores the outcome as its status', async () => {
      const good = await createApp(p1);
      const bad = await createApp(p1, { credential: { type: 'secret', secret: WRONG_SECRET } });
      const ok = await api().post(`/v1/apps/${good}/check`).set(bearer(p1.key)).expect(200);
      expect(ok.body).toMatchObject({ ok: true, status: 'active', directory: SEED.contoso.tenantId });
      const failed = await api().post(`/v1/apps/${bad}/check`).set(bearer(p1.key)).expect(200);
      expect(failed.body).toMatchObject({
        ok: false,
        status: 'misconfigured',
        error: { aadsts: 7000215, action: 'fix_app_credentials' },
      });
      const stored = await api().get(`/v1/apps/${bad}`).set(bearer(p1.key)).expect(200);
      expect(stored.body).toMatchObject({ status: 'misconfigured', statusDetail: { aadsts: 7000215 } });
      expect(vault.logs.text()).not.toContain(WRONG_SECRET);
      expect(vault.logs.text()).not.toContain(SEED.demoApp.secretValue);
    });

    it("answers another project's app exactly like a missing one on every route", async () => {
      const id = await createApp(p1);
      const routes = (appId: string) => [
        api().get(`/v1/apps/${appId}`).set(bearer(p2.key)),
        api().patch(`/v1/apps/${appId}`).set(bearer(p2.key)).send({ name: 'x' }),
        api().delete(`/v1/apps/${appId}`).set(bearer(p2.key)),
        api().post(`/v1/apps/${appId}/check`).set(bearer(p2.key)),
      ];
      const foreign = await Promise.all(routes(id));
      const missing = await Promise.all(routes('app_does_not_exist'));
      expect(foreign.map((r) => [r.status, r.body])).toEqual(missing.map((r) => [r.status, r.body]));
      expect(foreign[0].status).toBe(404);
      expect(foreign[0].body.error.code).toBe('app_not_found');
      await api().get(`/v1/apps/${id}`).set(bearer(p1.key)).expect(200);
    });

    it('deletes an unused app (204) and refuses one with installations (409 app_in_use)', async () => {
      const unused = await createApp(p1);
      await api().delete(`/v1/apps/${unused}`).set(bearer(p1.key)).expect(204);
      await api().get(`/v1/apps/${unused}`).set(bearer(p1.key)).expect(404);
      const used = await createApp(p1);
      await seedInstallation(p1.projectId, used, 'org_in_use');
      const res = await api().delete(`/v1/apps/${used}`).set(bearer(p1.key)).expect(409);
      expect(res.body.error).toMatchObject({ code: 'app_in_use', details: { installations: 1 } });
    });
  });

  describe('POST /v1/connect-sessions', () => {
    it('mints {token, url, expiresAt} for a tenant created on first use', async () => {
      const project = await createProjectWithKey(vault.app, 'sessions');
      await createApp(project);
      const res = await api()
        .post('/v1/connect-sessions')
        .set(bearer(project.key))
        .send({
          tenantId: 'org_first',
          userId: 'user_1',
          credentialFor: 'user',
          provider: 'microsoft-onedrive',
          returnTo: 'https://app.example.com/x',
        })
        .expect(201);
      expect(res.body.token).toMatch(/^ap_cs_/);
      expect(res.body.url).toBe(`https://vault.example.test/connect/microsoft-onedrive?session=${res.body.token}`);
      await api().get('/v1/tenants/org_first').set(bearer(project.key)).expect(200);
    });

    it('refuses a returnTo outside the allowed origins and a missing userId', async () => {
      const project = await createProjectWithKey(vault.app, 'sessions-bad');
      await createApp(project);
      const base = { tenantId: 'org_x', credentialFor: 'user', provider: 'microsoft-onedrive' };
      const notAllowed = await api()
        .post('/v1/connect-sessions')
        .set(bearer(project.key))
        .send({ ...base, userId: 'u', returnTo: 'https://evil.test/' })
        .expect(400);
      expect(notAllowed.body.error.code).toBe('return_to_not_allowed');
      const noUser = await api().post('/v1/connect-sessions').set(bearer(project.key)).send(base).expect(400);
      expect(noUser.body.error).toMatchObject({ code: 'invalid_request', details: [{ path: 'userId' }] });
    });

    it("refuses another project's app like a missing one", async () => {
      const id = await createApp(p1);
      const body = { tenantId: 'org_x', credentialFor: 'installation', provider: 'microsoft-onedrive' };
      const foreign = await api()
        .post('/v1/connect-sessions')
        .set(bearer(p2.key))
        .send({ ...body, appId: id });
      const missing = await api()
        .post('/v1/connect-sessions')
        .set(bearer(p2.key))
        .send({ ...body, appId: 'app_nope' });
      expect([foreign.status, foreign.body]).toEqual([missing.status, missing.body]);
      expect(foreign.body.error.code).toBe('app_not_found');
    });
  });

  describe('/v1/installations and /v1/connections', () => {
    let appId: string;
    let installationId: string;
    let connectionId: string;

    beforeAll(async () => {
      appId = await createApp(p1);
      installationId = await seedInstallation(p1.projectId, appId, 'org_listed');
      await seedInstallation(p1.projectId, appId, 'org_listed_2');
      connectionId = await seedConnection(p1.projectId, appId, 'org_listed', 'user_a');
      await seedConnection(p1.projectId, appId, 'org_listed', 'user_b');
    });

    it('lists installations filtered by tenant with cursor pages, never a token', async () => {
      const first = await api().get('/v1/installations?limit=1').set(bearer(p1.key)).expect(200);
      const second = await api()
        .get(`/v1/installations?limit=1&cursor=${first.body.nextCursor}`)
        .set(bearer(p1.key))
        .expect(200);
      expect(first.body.data[0].id).not.toBe(second.body.data[0].id);
      const filtered = await api().get('/v1/installations?tenantId=org_listed_2').set(bearer(p1.key)).expect(200);
      expect(filtered.body.data.map((i: { tenantId: string }) => i.tenantId)).toEqual(['org_listed_2']);
      const one = await api().get(`/v1/installations/${installationId}`).set(bearer(p1.key)).expect(200);
      expect(one.body).toMatchObject({
        id: installationId,
        tenantId: 'org_listed',
        directoryId: SEED.contoso.tenantId,
        status: 'active',
      });
      for (const body of [first.body, second.body, filtered.body, one.body])
        expect(JSON.stringify(body)).not.toContain('canary');
    });

    it('lists connections filtered by tenant and status, never a token', async () => {
      const res = await api().get('/v1/connections?tenantId=org_listed&status=active').set(bearer(p1.key)).expect(200);
      expect(res.body.data.map((c: { userId: string }) => c.userId)).toEqual(['user_a', 'user_b']);
      const one = await api().get(`/v1/connections/${connectionId}`).set(bearer(p1.key)).expect(200);
      expect(one.body).toMatchObject({ userId: 'user_a', account: { upn: 'user_a@contoso.com' } });
      expect(JSON.stringify([res.body, one.body])).not.toContain('canary');
      const none = await api().get('/v1/connections?status=revoked').set(bearer(p1.key)).expect(200);
      expect(none.body.data).toEqual([]);
    });

    it('refuses a bad status filter and a forged cursor with invalid_request', async () => {
      await api().get('/v1/connections?status=sleeping').set(bearer(p1.key)).expect(400);
      const res = await api().get('/v1/installations?cursor=forged').set(bearer(p1.key)).expect(400);
      expect(res.body.error.code).toBe('invalid_request');
    });

    it.each(['installations', 'connections'])(
      "answers another project's %s exactly like missing ones",
      async (kind) => {
        const id = kind === 'installations' ? installationId : connectionId;
        const routes = (target: string) => [
          api().get(`/v1/${kind}/${target}`).set(bearer(p2.key)),
          api().delete(`/v1/${kind}/${target}`).set(bearer(p2.key)),
        ];
        const foreign = await Promise.all(routes(id));
        const missing = await Promise.all(routes(`${kind.slice(0, 3)}_missing`));
        expect(foreign.map((r) => [r.status, r.body])).toEqual(missing.map((r) => [r.status, r.body]));
        expect(foreign[0].status).toBe(404);
        const listed = await api().get(`/v1/${kind}`).set(bearer(p2.key)).expect(200);
        expect(listed.body.data).toEqual([]);
        await api().get(`/v1/${kind}/${id}`).set(bearer(p1.key)).expect(200);
      },
    );

    it('deletes a connection and then answers 404 for it', async () => {
      const id = await seedConnection(p1.projectId, appId, 'org_listed', 'user_gone');
      await api().delete(`/v1/connections/${id}`).set(bearer(p1.key)).expect(204);
      const res = await api().get(`/v1/connections/${id}`).set(bearer(p1.key)).expect(404);
      expect(res.body.error.code).toBe('connection_not_found');
    });
  });

  describe('GET /v1/events', () => {
    it("pages through the project's events, filtered by type", async () => {
      const created = await api().get('/v1/events?type=installation.created&limit=1').set(bearer(p1.key)).expect(200);
      expect(created.body.data[0]).toMatchObject({ type: 'installation.created' });
      const next = await api()
        .get(`/v1/events?type=installation.created&limit=1&cursor=${created.body.nextCursor}`)
        .set(bearer(p1.key))
        .expect(200);
      expect(next.body.data[0].id > created.body.data[0].id).toBe(true);
      const other = await api().get('/v1/events?type=installation.created').set(bearer(p2.key)).expect(200);
      expect(other.body.data).toEqual([]);
    });
  });

  describe('storage', () => {
    it('holds no plaintext secret or token in any table, and none reached the logs', async () => {
      const dump = JSON.stringify(await dumpDatabase(vault.db));
      for (const secret of [SEED.demoApp.secretValue, WRONG_SECRET, ACCESS_CANARY, REFRESH_CANARY]) {
        expect(dump).not.toContain(secret);
        expect(vault.logs.text()).not.toContain(secret);
      }
    });
  });

  async function seedInstallation(projectId: string, appId: string, tenantId: string): Promise<string> {
    const now = Date.now();
    const { installation } = await vault.app.get(InstallationsService).upsertFromConsent({
      projectId,
      tenantId,
      appId,
      provider: 'microsoft-onedrive',
      directoryId: SEED.contoso.tenantId,
      cloud: 'custom',
      resourceKind: 'drive',
      resourceDriveId: SEED.contoso.marketingSite.driveId,
      resourceSiteId: null,
      resourceUser: null,
      resourceWebUrl: null,
      scopes: ['Files.ReadWrite.All'],
      consentedAt: new Date(now),
      consentedBy: SEED.contoso.admin.upn,
      expiresAt: new Date(now + 3_600_000),
      refreshAt: new Date(now + 3_000_000),
      accessToken: ACCESS_CANARY,
      sessionId: null,
    });
    return installation.id;
  }

  async function seedConnection(projectId: string, appId: string, tenantId: string, userId: string): Promise<string> {
    const now = Date.now();
    const { connection } = await vault.app.get(ConnectionsService).upsertFromCode({
      projectId,
      tenantId,
      userId,
      appId,
      provider: 'microsoft-onedrive',
      installationId: null,
      oid: `oid-${userId}`,
      tid: SEED.contoso.tenantId,
      upn: `${userId}@contoso.com`,
      scopes: ['User.Read', 'offline_access'],
      expiresAt: new Date(now + 3_600_000),
      refreshAt: new Date(now + 3_000_000),
      keepAliveAt: new Date(now + 80 * 86_400_000),
      accessToken: ACCESS_CANARY,
      refreshToken: REFRESH_CANARY,
      sessionId: null,
    });
    return connection.id;
  }
});

/** A fresh RSA private key (PEM) that matches no registered certificate. */
function unrelatedRsaKeyPem(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
}
