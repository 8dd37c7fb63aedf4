// /v1/providers and /v1/apps through HTTP against the real vault and emulator.
import { generateKeyPairSync } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { aDemoAppBody, anApp, anInstallation, aProject, bearer, type TestProject } from '@test/support/builders';
import { dumpText } from '@test/support/db-dump';
import { SEED, useTestEmulator } from '@test/support/test-emulator';
import { useTestVault } from '@test/support/test-vault';

const WRONG_SECRET = 'canary-wrong-client-secret-51c0';

describe('providers and apps API (e2e)', () => {
  const t = useTestEmulator();
  const vault = useTestVault(() => ({ emulator: t }));
  let p1: TestProject;
  let p2: TestProject;
  const createApp = (project: TestProject, overrides: Record<string, unknown> = {}) =>
    anApp(vault, project, aDemoAppBody(t, overrides));

  beforeAll(async () => {
    p1 = await aProject(vault, 'one');
    p2 = await aProject(vault, 'two');
  });

  describe('GET /v1/providers', () => {
    it('lists microsoft-onedrive with described scopes and clouds', async () => {
      const res = await vault.api().get('/v1/providers').set(bearer(p1.key)).expect(200);
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
      const res = await vault.api().get('/v1/providers').expect(401);
      expect(res.body.error.code).toBe('missing_api_key');
    });
  });

  describe('/v1/apps', () => {
    it('creates, reads, lists and updates an app without ever returning its secret', async () => {
      const id = await createApp(p1);
      const got = await vault.api().get(`/v1/apps/${id}`).set(bearer(p1.key)).expect(200);
      const listed = await vault.api().get('/v1/apps?provider=microsoft-onedrive').set(bearer(p1.key)).expect(200);
      const patched = await vault
        .api()
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
      const res = await vault
        .api()
        .post('/v1/apps')
        .set(bearer(p1.key))
        .send(aDemoAppBody(t, { userScopes: ['offline_access', 'User.Read', 'Mail.Read'] }))
        .expect(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_scope', details: { unknown: ['Mail.Read'] } });
      expect(res.body.error.details.known).toContain('Files.ReadWrite.All');
    });

    it('refuses user scopes without offline_access with scopes_missing_offline_access', async () => {
      const res = await vault
        .api()
        .post('/v1/apps')
        .set(bearer(p1.key))
        .send(aDemoAppBody(t, { userScopes: ['User.Read'] }))
        .expect(400);
      expect(res.body.error.code).toBe('scopes_missing_offline_access');
    });

    it('refuses malformed input with invalid_request and never echoes the secret', async () => {
      const res = await vault
        .api()
        .post('/v1/apps')
        .set(bearer(p1.key))
        .send(
          aDemoAppBody(t, {
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
      const res = await vault
        .api()
        .post('/v1/apps')
        .set(bearer(p1.key))
        .send(
          aDemoAppBody(t, {
            credential: {
              type: 'certificate',
              certificatePem: t.emulator.demoAppCertificate.certificatePem,
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
      const ok = await vault.api().post(`/v1/apps/${good}/check`).set(bearer(p1.key)).expect(200);
      expect(ok.body).toMatchObject({ ok: true, status: 'active', directory: SEED.contoso.tenantId });
      const failed = await vault.api().post(`/v1/apps/${bad}/check`).set(bearer(p1.key)).expect(200);
      expect(failed.body).toMatchObject({
        ok: false,
        status: 'misconfigured',
        error: { aadsts: 7000215, action: 'fix_app_credentials' },
      });
      const stored = await vault.api().get(`/v1/apps/${bad}`).set(bearer(p1.key)).expect(200);
      expect(stored.body).toMatchObject({ status: 'misconfigured', statusDetail: { aadsts: 7000215 } });
      expect(vault.logs.text()).not.toContain(WRONG_SECRET);
      expect(vault.logs.text()).not.toContain(SEED.demoApp.secretValue);
    });

    it("answers another project's app exactly like a missing one on every route", async () => {
      const id = await createApp(p1);
      const routes = (appId: string) => [
        vault.api().get(`/v1/apps/${appId}`).set(bearer(p2.key)),
        vault.api().patch(`/v1/apps/${appId}`).set(bearer(p2.key)).send({ name: 'x' }),
        vault.api().delete(`/v1/apps/${appId}`).set(bearer(p2.key)),
        vault.api().post(`/v1/apps/${appId}/check`).set(bearer(p2.key)),
      ];
      const foreign = await Promise.all(routes(id));
      const missing = await Promise.all(routes('app_does_not_exist'));
      expect(foreign.map((r) => [r.status, r.body])).toEqual(missing.map((r) => [r.status, r.body]));
      expect(foreign[0].status).toBe(404);
      expect(foreign[0].body.error.code).toBe('app_not_found');
      await vault.api().get(`/v1/apps/${id}`).set(bearer(p1.key)).expect(200);
    });

    it('deletes an unused app (204) and refuses one with installations (409 app_in_use)', async () => {
      const unused = await createApp(p1);
      await vault.api().delete(`/v1/apps/${unused}`).set(bearer(p1.key)).expect(204);
      await vault.api().get(`/v1/apps/${unused}`).set(bearer(p1.key)).expect(404);
      const used = await createApp(p1);
      await anInstallation(vault, { projectId: p1.projectId, appId: used, tenantId: 'org_in_use' });
      const res = await vault.api().delete(`/v1/apps/${used}`).set(bearer(p1.key)).expect(409);
      expect(res.body.error).toMatchObject({ code: 'app_in_use', details: { installations: 1 } });
    });
  });

  describe('storage', () => {
    it('holds no app secret or private key in clear in any table', async () => {
      const { certificatePem, privateKeyPem } = t.emulator.demoAppCertificate;
      await createApp(p1, { credential: { type: 'certificate', certificatePem, privateKeyPem } });
      const dump = await dumpText(vault.db);
      for (const secret of [SEED.demoApp.secretValue, WRONG_SECRET, privateKeyPem.split('\n')[1]])
        expect(dump).not.toContain(secret);
    });
  });

  describe('GET /docs-json', () => {
    it('documents the request bodies of POST /v1/apps and POST /v1/connect-sessions from their schemas', async () => {
      const res = await vault.api().get('/docs-json').expect(200);
      const body = (path: string) => res.body.paths[path].post.requestBody.content['application/json'].schema;
      expect(body('/v1/apps').properties.clientId).toMatchObject({ type: 'string', format: 'uuid' });
      expect(body('/v1/connect-sessions').properties.credentialFor.enum).toEqual(['installation', 'user']);
    });
  });
});

/** A fresh RSA private key (PEM) that matches no registered certificate. */
function unrelatedRsaKeyPem(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
}
