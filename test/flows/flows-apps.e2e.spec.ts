// /v1/providers and /v1/apps through HTTP against the real vault and emulator.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useStarted } from '../support/use-started';
import { dumpDatabase } from '../keys/db-dump';
import { SEED, bearer, startFlowsApi } from './flows-api';

const WRONG_SECRET = 'canary-wrong-client-secret-51c0';

describe('providers and apps API (e2e)', () => {
  const w = useStarted(startFlowsApi);

  describe('GET /v1/providers', () => {
    it('lists microsoft-onedrive with described scopes and clouds', async () => {
      const res = await w.api().get('/v1/providers').set(bearer(w.p1.key)).expect(200);
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
      const res = await w.api().get('/v1/providers').expect(401);
      expect(res.body.error.code).toBe('missing_api_key');
    });
  });

  describe('/v1/apps', () => {
    it('creates, reads, lists and updates an app without ever returning its secret', async () => {
      const id = await w.createApp(w.p1);
      const got = await w.api().get(`/v1/apps/${id}`).set(bearer(w.p1.key)).expect(200);
      const listed = await w.api().get('/v1/apps?provider=microsoft-onedrive').set(bearer(w.p1.key)).expect(200);
      const patched = await w
        .api()
        .patch(`/v1/apps/${id}`)
        .set(bearer(w.p1.key))
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
      const res = await w
        .api()
        .post('/v1/apps')
        .set(bearer(w.p1.key))
        .send(w.appBody({ userScopes: ['offline_access', 'User.Read', 'Mail.Read'] }))
        .expect(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_scope', details: { unknown: ['Mail.Read'] } });
      expect(res.body.error.details.known).toContain('Files.ReadWrite.All');
    });

    it('refuses user scopes without offline_access with scopes_missing_offline_access', async () => {
      const res = await w
        .api()
        .post('/v1/apps')
        .set(bearer(w.p1.key))
        .send(w.appBody({ userScopes: ['User.Read'] }))
        .expect(400);
      expect(res.body.error.code).toBe('scopes_missing_offline_access');
    });

    it('refuses malformed input with invalid_request and never echoes the secret', async () => {
      const res = await w
        .api()
        .post('/v1/apps')
        .set(bearer(w.p1.key))
        .send(
          w.appBody({
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
      const res = await w
        .api()
        .post('/v1/apps')
        .set(bearer(w.p1.key))
        .send(
          w.appBody({
            credential: {
              type: 'certificate',
              certificatePem: w.emulator.demoAppCertificate.certificatePem,
              privateKeyPem: other,
            },
          }),
        )
        .expect(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_certificate', details: { reason: 'key_mismatch' } });
    });

    it('checks an app against its home directory and stores the outcome as its status', async () => {
      const good = await w.createApp(w.p1);
      const bad = await w.createApp(w.p1, { credential: { type: 'secret', secret: WRONG_SECRET } });
      const ok = await w.api().post(`/v1/apps/${good}/check`).set(bearer(w.p1.key)).expect(200);
      expect(ok.body).toMatchObject({ ok: true, status: 'active', directory: SEED.contoso.tenantId });
      const failed = await w.api().post(`/v1/apps/${bad}/check`).set(bearer(w.p1.key)).expect(200);
      expect(failed.body).toMatchObject({
        ok: false,
        status: 'misconfigured',
        error: { aadsts: 7000215, action: 'fix_app_credentials' },
      });
      const stored = await w.api().get(`/v1/apps/${bad}`).set(bearer(w.p1.key)).expect(200);
      expect(stored.body).toMatchObject({ status: 'misconfigured', statusDetail: { aadsts: 7000215 } });
      expect(w.vault.logs.text()).not.toContain(WRONG_SECRET);
      expect(w.vault.logs.text()).not.toContain(SEED.demoApp.secretValue);
    });

    it("answers another project's app exactly like a missing one on every route", async () => {
      const id = await w.createApp(w.p1);
      const routes = (appId: string) => [
        w.api().get(`/v1/apps/${appId}`).set(bearer(w.p2.key)),
        w.api().patch(`/v1/apps/${appId}`).set(bearer(w.p2.key)).send({ name: 'x' }),
        w.api().delete(`/v1/apps/${appId}`).set(bearer(w.p2.key)),
        w.api().post(`/v1/apps/${appId}/check`).set(bearer(w.p2.key)),
      ];
      const foreign = await Promise.all(routes(id));
      const missing = await Promise.all(routes('app_does_not_exist'));
      expect(foreign.map((r) => [r.status, r.body])).toEqual(missing.map((r) => [r.status, r.body]));
      expect(foreign[0].status).toBe(404);
      expect(foreign[0].body.error.code).toBe('app_not_found');
      await w.api().get(`/v1/apps/${id}`).set(bearer(w.p1.key)).expect(200);
    });

    it('deletes an unused app (204) and refuses one with installations (409 app_in_use)', async () => {
      const unused = await w.createApp(w.p1);
      await w.api().delete(`/v1/apps/${unused}`).set(bearer(w.p1.key)).expect(204);
      await w.api().get(`/v1/apps/${unused}`).set(bearer(w.p1.key)).expect(404);
      const used = await w.createApp(w.p1);
      await w.seedInstallation(w.p1.projectId, used, 'org_in_use');
      const res = await w.api().delete(`/v1/apps/${used}`).set(bearer(w.p1.key)).expect(409);
      expect(res.body.error).toMatchObject({ code: 'app_in_use', details: { installations: 1 } });
    });
  });

  describe('storage', () => {
    it('holds no app secret or private key in clear in any table', async () => {
      const { certificatePem, privateKeyPem } = w.emulator.demoAppCertificate;
      await w.createApp(w.p1, { credential: { type: 'certificate', certificatePem, privateKeyPem } });
      const dump = JSON.stringify(await dumpDatabase(w.vault.db));
      for (const secret of [SEED.demoApp.secretValue, WRONG_SECRET, privateKeyPem.split('\n')[1]])
        expect(dump).not.toContain(secret);
    });
  });

  describe('GET /docs-json', () => {
    it('documents the request bodies of POST /v1/apps and POST /v1/connect-sessions from their schemas', async () => {
      const res = await w.api().get('/docs-json').expect(200);
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
