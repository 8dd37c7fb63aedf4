import { beforeAll, describe, expect, it } from 'vitest';
import { ConnectSessionsService } from '../../../apps/vault/src/connect/sessions/connect-sessions.service';
import { ConnectionsService } from '../../../apps/vault/src/connections/connections.service';
import { APP_ORIGIN, aProject, anOfflineApp } from '@test/support/builders';
import { dumpText } from '@test/support/db-dump';
import { rejection } from '@test/support/rejection';
import { DAY_MS } from '@test/support/test-clock';
import { PUBLIC_URL, useTestVault } from '@test/support/test-vault';

describe(ConnectSessionsService.name, () => {
  const vault = useTestVault();
  let sessions: ConnectSessionsService;
  let appId: string;
  /** One app. */
  let p1: string;
  /** No app. */
  let p2: string;
  /** Two apps for the provider. */
  let p3: string;
  /** One app, for the purge. */
  let pPurge: string;

  const body = (overrides: Record<string, unknown> = {}) => ({
    tenantId: 'org_acme',
    userId: 'user_123',
    credentialFor: 'user',
    provider: 'microsoft-onedrive',
    ...overrides,
  });

  beforeAll(async () => {
    sessions = vault.get(ConnectSessionsService);
    [p1, p2, p3, pPurge] = await Promise.all(
      ['one', 'two', 'three', 'purge'].map(async (name) => (await aProject(vault, name)).projectId),
    );
    appId = await anOfflineApp(vault, p1);
    await anOfflineApp(vault, p3);
    await anOfflineApp(vault, p3);
    await anOfflineApp(vault, pPurge);
  });

  describe('create', () => {
    it('returns an ap_cs_ token, the connect URL and a 15-minute expiry, storing only the hash', async () => {
      const created = await sessions.create(p1, body());
      expect(created.token).toMatch(/^ap_cs_[0-9A-Za-z]{32}$/);
      expect(created.url).toBe(`${PUBLIC_URL}/connect/microsoft-onedrive?session=${created.token}`);
      expect(Date.parse(created.expiresAt) - vault.clock.nowMs).toBe(15 * 60_000);
      expect(await dumpText(vault.db)).not.toContain(created.token.slice(6));
      const [row] = await vault.db.query<{ app_id: string; user_id: string }>(
        `SELECT app_id, user_id FROM connect_sessions WHERE id = $1`,
        [created.id],
      );
      expect(row).toEqual({ app_id: appId, user_id: 'user_123' });
    });

    it('creates the tenant on first use', async () => {
      await sessions.create(p1, body({ tenantId: 'org_brand_new' }));
      const rows = await vault.db.query(
        `SELECT 1 FROM tenants WHERE project_id = $1 AND external_id = 'org_brand_new'`,
        [p1],
      );
      expect(rows).toHaveLength(1);
    });

    it.each([
      [{ expiresInSeconds: 31 * 60 }, 'expiresInSeconds'],
      [{ userId: undefined }, 'userId'],
      [{ mode: 'redirect' }, 'returnTo'],
      [{ credentialFor: 'admin' }, 'credentialFor'],
    ])('refuses %j with invalid_request naming %s', async (overrides, path) => {
      const error = await rejection(sessions.create(p1, body(overrides)));
      expect(error.toBody()).toMatchObject({ code: 'invalid_request', details: [{ path }] });
    });

    it('accepts a returnTo under an allowed origin and refuses any other with return_to_not_allowed', async () => {
      await expect(
        sessions.create(p1, body({ mode: 'redirect', returnTo: `${APP_ORIGIN}/done` })),
      ).resolves.toBeDefined();
      const error = await rejection(sessions.create(p1, body({ returnTo: 'https://evil.example.net/done' })));
      expect(error.toBody()).toMatchObject({
        code: 'return_to_not_allowed',
        details: { allowedOrigins: [APP_ORIGIN] },
      });
    });

    it('refuses a popup session with no_allowed_origins when the app allows no origin', async () => {
      await vault.db.query(`UPDATE provider_apps SET allowed_origins = '{}' WHERE id = $1`, [appId]);
      try {
        const error = await rejection(sessions.create(p1, body()));
        expect(error.toBody()).toMatchObject({ code: 'no_allowed_origins', details: { appId } });
        expect(error.toBody().remediation).toContain('allowedOrigins');
      } finally {
        await vault.db.query(`UPDATE provider_apps SET allowed_origins = '{${APP_ORIGIN}}' WHERE id = $1`, [appId]);
      }
    });

    it("refuses with app_not_found when the project has no app, or names another project's app", async () => {
      expect((await rejection(sessions.create(p2, body()))).toBody().code).toBe('app_not_found');
      expect((await rejection(sessions.create(p2, body({ appId })))).toBody().code).toBe('app_not_found');
    });

    it('asks for appId when the project has several apps for the provider', async () => {
      const error = await rejection(sessions.create(p3, body()));
      expect(error.toBody()).toMatchObject({ code: 'invalid_request', details: [{ path: 'appId' }] });
    });

    it('refuses with app_misconfigured and the remediation when the app failed its check', async () => {
      await vault.db.query(
        `UPDATE provider_apps SET status = 'misconfigured', status_remediation = 'Create a new secret.' WHERE id = $1`,
        [appId],
      );
      try {
        const error = await rejection(sessions.create(p1, body()));
        expect(error.status).toBe(409);
        expect(error.toBody()).toMatchObject({ code: 'app_misconfigured', remediation: 'Create a new secret.' });
      } finally {
        await vault.db.query(`UPDATE provider_apps SET status = 'unchecked', status_remediation = NULL WHERE id = $1`, [
          appId,
        ]);
      }
    });

    it('targets the existing connection so the flow re-authorizes it in place', async () => {
      const connections = vault.get(ConnectionsService);
      const { connection } = await connections.upsertFromCode({
        projectId: p1,
        tenantId: 'org_acme',
        userId: 'user_reauth',
        appId,
        provider: 'microsoft-onedrive',
        installationId: null,
        oid: 'oid-1',
        tid: 'tid-1',
        upn: 'u@example.com',
        scopes: ['User.Read'],
        expiresAt: new Date(vault.clock.nowMs + 3_600_000),
        refreshAt: new Date(vault.clock.nowMs + 3_000_000),
        keepAliveAt: new Date(vault.clock.nowMs + 80 * DAY_MS),
        accessToken: 'at-canary',
        refreshToken: 'rt-canary',
        sessionId: null,
      });
      const created = await sessions.create(p1, body({ userId: 'user_reauth' }));
      expect((await sessions.verify(created.token)).targetConnectionId).toBe(connection.id);
    });
  });

  describe('verify', () => {
    it('returns the live session for its token', async () => {
      const created = await sessions.create(p1, body({ resource: undefined }));
      const session = await sessions.verify(created.token);
      expect(session).toMatchObject({
        id: created.id,
        projectId: p1,
        tenantExternalId: 'org_acme',
        userId: 'user_123',
        mode: 'popup',
      });
    });

    it('answers tampered, malformed and unknown tokens with connect_session_not_found', async () => {
      const created = await sessions.create(p1, body());
      const tampered = created.token.slice(0, -1) + (created.token.endsWith('A') ? 'B' : 'A');
      for (const token of [tampered, 'ap_cs_short', 'not-a-token', `ap_cs_${'x'.repeat(32)}`]) {
        const error = await rejection(sessions.verify(token));
        expect([error.status, error.toBody().code]).toEqual([404, 'connect_session_not_found']);
      }
    });

    it('answers connect_session_expired once the session outlived its expiry', async () => {
      const created = await sessions.create(p1, body({ expiresInSeconds: 60 }));
      vault.clock.advance(61_000);
      expect((await rejection(sessions.verify(created.token))).toBody().code).toBe('connect_session_expired');
    });
  });

  describe('consume', () => {
    it('succeeds once; the session is then useless', async () => {
      const created = await sessions.create(p1, body());
      const results = await Promise.all([sessions.consume(p1, created.id), sessions.consume(p1, created.id)]);
      expect(results.sort()).toEqual([false, true]);
      expect((await rejection(sessions.verify(created.token))).toBody().code).toBe('connect_session_consumed');
    });

    it("does not consume another project's session", async () => {
      const created = await sessions.create(p1, body());
      expect(await sessions.consume(p2, created.id)).toBe(false);
      await expect(sessions.verify(created.token)).resolves.toMatchObject({ consumedAt: null });
    });
  });

  describe('purgeExpired', () => {
    it('deletes only sessions expired longer than the grace, in batches', async () => {
      const project = pPurge;
      const count = async () =>
        (
          await vault.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM connect_sessions WHERE project_id = $1`, [
            project,
          ])
        )[0].n;
      for (let i = 0; i < 5; i++) await sessions.create(project, body({ expiresInSeconds: 60 }));
      const live = await sessions.create(project, body({ expiresInSeconds: 30 * 60 }));
      vault.clock.advance(61_000 + 3_600_000);
      expect(await count()).toBe(6);
      const purged = await sessions.purgeExpired(3_600_000, 2);
      expect(purged).toBeGreaterThanOrEqual(5);
      expect(await count()).toBe(1);
      await expect(sessions.verify(live.token)).rejects.toMatchObject({ flowCode: 'connect_session_expired' });
    });
  });
});
