// /v1/connect-sessions, /v1/installations, /v1/connections and /v1/events through HTTP against
// the real vault; installations and connections are seeded through the flows' services.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ACCESS_CANARY,
  APP_ORIGIN,
  REFRESH_CANARY,
  aConnection,
  aDemoAppBody,
  anApp,
  anInstallation,
  aProject,
  bearer,
  type TestProject,
} from '@test/support/builders';
import { dumpText } from '@test/support/db-dump';
import { SEED, useTestEmulator } from '@test/support/test-emulator';
import { PUBLIC_URL, useTestVault } from '@test/support/test-vault';

describe('connect sessions, installations, connections and events API (e2e)', () => {
  const t = useTestEmulator();
  const vault = useTestVault(() => ({ emulator: t }));
  let p1: TestProject;
  let p2: TestProject;
  const createApp = (project: TestProject) => anApp(vault, project, aDemoAppBody(t));

  beforeAll(async () => {
    p1 = await aProject(vault, 'one');
    p2 = await aProject(vault, 'two');
  });

  describe('POST /v1/connect-sessions', () => {
    it('mints {token, url, expiresAt} for a tenant created on first use', async () => {
      const project = await aProject(vault, 'sessions');
      await createApp(project);
      const res = await vault
        .api()
        .post('/v1/connect-sessions')
        .set(bearer(project.key))
        .send({
          tenantId: 'org_first',
          userId: 'user_1',
          credentialFor: 'user',
          provider: 'microsoft-onedrive',
          returnTo: `${APP_ORIGIN}/x`,
        })
        .expect(201);
      expect(res.body.token).toMatch(/^ap_cs_/);
      expect(res.body.url).toBe(`${PUBLIC_URL}/connect/microsoft-onedrive?session=${res.body.token}`);
      await vault.api().get('/v1/tenants/org_first').set(bearer(project.key)).expect(200);
    });

    it('refuses a returnTo outside the allowed origins and a missing userId', async () => {
      const project = await aProject(vault, 'sessions-bad');
      await createApp(project);
      const base = { tenantId: 'org_x', credentialFor: 'user', provider: 'microsoft-onedrive' };
      const notAllowed = await vault
        .api()
        .post('/v1/connect-sessions')
        .set(bearer(project.key))
        .send({ ...base, userId: 'u', returnTo: 'https://evil.test/' })
        .expect(400);
      expect(notAllowed.body.error.code).toBe('return_to_not_allowed');
      const noUser = await vault.api().post('/v1/connect-sessions').set(bearer(project.key)).send(base).expect(400);
      expect(noUser.body.error).toMatchObject({ code: 'invalid_request', details: [{ path: 'userId' }] });
    });

    it("refuses another project's app like a missing one", async () => {
      const id = await createApp(p1);
      const body = { tenantId: 'org_x', credentialFor: 'installation', provider: 'microsoft-onedrive' };
      const foreign = await vault
        .api()
        .post('/v1/connect-sessions')
        .set(bearer(p2.key))
        .send({ ...body, appId: id });
      const missing = await vault
        .api()
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
      installationId = await anInstallation(vault, { projectId: p1.projectId, appId, tenantId: 'org_listed' });
      await anInstallation(vault, { projectId: p1.projectId, appId, tenantId: 'org_listed_2' });
      connectionId = await aConnection(vault, {
        projectId: p1.projectId,
        appId,
        tenantId: 'org_listed',
        userId: 'user_a',
      });
      await aConnection(vault, { projectId: p1.projectId, appId, tenantId: 'org_listed', userId: 'user_b' });
    });

    it('lists installations filtered by tenant with cursor pages, never a token', async () => {
      const first = await vault.api().get('/v1/installations?limit=1').set(bearer(p1.key)).expect(200);
      const second = await vault
        .api()
        .get(`/v1/installations?limit=1&cursor=${first.body.nextCursor}`)
        .set(bearer(p1.key))
        .expect(200);
      expect(first.body.data[0].id).not.toBe(second.body.data[0].id);
      const filtered = await vault.api().get('/v1/installations?tenantId=org_listed_2').set(bearer(p1.key)).expect(200);
      expect(filtered.body.data.map((i: { tenantId: string }) => i.tenantId)).toEqual(['org_listed_2']);
      const one = await vault.api().get(`/v1/installations/${installationId}`).set(bearer(p1.key)).expect(200);
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
      const res = await vault
        .api()
        .get('/v1/connections?tenantId=org_listed&status=active')
        .set(bearer(p1.key))
        .expect(200);
      expect(res.body.data.map((c: { userId: string }) => c.userId)).toEqual(['user_a', 'user_b']);
      const one = await vault.api().get(`/v1/connections/${connectionId}`).set(bearer(p1.key)).expect(200);
      expect(one.body).toMatchObject({ userId: 'user_a', account: { upn: 'user_a@contoso.com' } });
      expect(JSON.stringify([res.body, one.body])).not.toContain('canary');
      const none = await vault.api().get('/v1/connections?status=revoked').set(bearer(p1.key)).expect(200);
      expect(none.body.data).toEqual([]);
    });

    it('refuses a bad status filter and a forged cursor with invalid_request', async () => {
      await vault.api().get('/v1/connections?status=sleeping').set(bearer(p1.key)).expect(400);
      const res = await vault.api().get('/v1/installations?cursor=forged').set(bearer(p1.key)).expect(400);
      expect(res.body.error.code).toBe('invalid_request');
    });

    it.each(['installations', 'connections'])(
      "answers another project's %s exactly like missing ones",
      async (kind) => {
        const id = kind === 'installations' ? installationId : connectionId;
        const routes = (target: string) => [
          vault.api().get(`/v1/${kind}/${target}`).set(bearer(p2.key)),
          vault.api().delete(`/v1/${kind}/${target}`).set(bearer(p2.key)),
        ];
        const foreign = await Promise.all(routes(id));
        const missing = await Promise.all(routes(`${kind.slice(0, 3)}_missing`));
        expect(foreign.map((r) => [r.status, r.body])).toEqual(missing.map((r) => [r.status, r.body]));
        expect(foreign[0].status).toBe(404);
        const listed = await vault.api().get(`/v1/${kind}`).set(bearer(p2.key)).expect(200);
        expect(listed.body.data).toEqual([]);
        await vault.api().get(`/v1/${kind}/${id}`).set(bearer(p1.key)).expect(200);
      },
    );

    it('deletes a connection and then answers 404 for it', async () => {
      const id = await aConnection(vault, {
        projectId: p1.projectId,
        appId,
        tenantId: 'org_listed',
        userId: 'user_gone',
      });
      await vault.api().delete(`/v1/connections/${id}`).set(bearer(p1.key)).expect(204);
      const res = await vault.api().get(`/v1/connections/${id}`).set(bearer(p1.key)).expect(404);
      expect(res.body.error.code).toBe('connection_not_found');
    });
  });

  describe('GET /v1/events', () => {
    it("pages through the project's events, filtered by type", async () => {
      const created = await vault
        .api()
        .get('/v1/events?type=installation.created&limit=1')
        .set(bearer(p1.key))
        .expect(200);
      expect(created.body.data[0]).toMatchObject({ type: 'installation.created' });
      const next = await vault
        .api()
        .get(`/v1/events?type=installation.created&limit=1&cursor=${created.body.nextCursor}`)
        .set(bearer(p1.key))
        .expect(200);
      expect(next.body.data[0].id > created.body.data[0].id).toBe(true);
      const other = await vault.api().get('/v1/events?type=installation.created').set(bearer(p2.key)).expect(200);
      expect(other.body.data).toEqual([]);
    });
  });

  describe('storage', () => {
    it('holds no plaintext secret or token in any table, and none reached the logs', async () => {
      const dump = await dumpText(vault.db);
      for (const secret of [SEED.demoApp.secretValue, ACCESS_CANARY, REFRESH_CANARY]) {
        expect(dump).not.toContain(secret);
        expect(vault.logs.text()).not.toContain(secret);
      }
    });
  });
});
