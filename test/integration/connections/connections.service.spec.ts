import { beforeAll, describe, expect, it } from 'vitest';
import { ConnectionsService, type AuthorizationResult } from '../../../apps/vault/src/connections/connections.service';
import { CredentialHistoryRepository } from '../../../apps/vault/src/credentials/credential-history.repository';
import { aProject, anOfflineApp } from '@test/support/builders';
import { dumpText } from '@test/support/db-dump';
import { rejection } from '@test/support/rejection';
import { DAY_MS } from '@test/support/test-clock';
import { useTestVault } from '@test/support/test-vault';

describe(ConnectionsService.name, () => {
  const vault = useTestVault();
  let connections: ConnectionsService;
  let p1: string;
  let p2: string;
  let appId: string;

  const authorization = (userId: string, overrides: Partial<AuthorizationResult> = {}): AuthorizationResult => ({
    projectId: p1,
    tenantId: 'org_acme',
    userId,
    appId,
    provider: 'microsoft-onedrive',
    installationId: null,
    oid: `oid-${userId}`,
    tid: 'c0a70000-0000-4000-8000-000000000001',
    upn: `${userId}@contoso.com`,
    scopes: ['User.Read', 'Files.ReadWrite.All', 'offline_access'],
    expiresAt: new Date(vault.clock.nowMs + 3_600_000),
    refreshAt: new Date(vault.clock.nowMs + 3_000_000),
    keepAliveAt: new Date(vault.clock.nowMs + 80 * DAY_MS),
    accessToken: `access-canary-${userId}`,
    refreshToken: `refresh-canary-${userId}`,
    sessionId: null,
    ...overrides,
  });

  beforeAll(async () => {
    connections = vault.get(ConnectionsService);
    p1 = (await aProject(vault, 'one')).projectId;
    p2 = (await aProject(vault, 'two')).projectId;
    appId = await anOfflineApp(vault, p1);
  });

  describe('upsertFromCode', () => {
    it('creates the connection with both tokens encrypted and none in any table in clear', async () => {
      const { connection, created } = await connections.upsertFromCode(authorization('user_1'));
      expect(created).toBe(true);
      expect(await connections.readTokens(connection)).toMatchObject({
        accessToken: 'access-canary-user_1',
        refreshToken: 'refresh-canary-user_1',
      });
      expect(await dumpText(vault.db)).not.toContain('canary-user_1');
    });

    it('re-authorizes the same user in place and keeps the previous account in history', async () => {
      const first = (await connections.upsertFromCode(authorization('user_2'))).connection;
      const { connection, created } = await connections.upsertFromCode(
        authorization('user_2', { upn: 'renamed@contoso.com', refreshToken: 'rotated-refresh' }),
      );
      expect(created).toBe(false);
      expect(connection).toMatchObject({ id: first.id, version: 1, upn: 'renamed@contoso.com' });
      const history = await vault.get(CredentialHistoryRepository).list(p1, { connectionId: first.id });
      expect(history.map((h) => [h.action, (h.previous as { upn?: string } | null)?.upn ?? null])).toEqual([
        ['created', null],
        ['reauthorized', 'user_2@contoso.com'],
      ]);
    });
    it('settles two concurrent first authorizations of one user into one connection', async () => {
      const results = await Promise.all([
        connections.upsertFromCode(authorization('user_race', { refreshToken: 'race-a' })),
        connections.upsertFromCode(authorization('user_race', { refreshToken: 'race-b' })),
      ]);
      expect(results.map((r) => r.created).sort()).toEqual([false, true]);
      expect(new Set(results.map((r) => r.connection.id)).size).toBe(1);
      const id = results[0].connection.id;
      const rows = await vault.db.query(`SELECT id FROM connections WHERE user_id = 'user_race'`);
      expect(rows).toEqual([{ id }]);
      const secrets = await vault.db.query<{ record_id: string }>(
        `SELECT DISTINCT record_id FROM secrets WHERE record_type = 'connection' AND record_id LIKE 'con_%' AND record_id NOT IN (SELECT id FROM connections)`,
      );
      expect(secrets).toEqual([]);
    });
  });

  describe('list and get', () => {
    it('filters by tenant and provider, pages by cursor and never shows a token', async () => {
      await connections.upsertFromCode(authorization('user_3', { tenantId: 'org_other' }));
      const acme = await connections.list(p1, { limit: 1, tenantId: 'org_acme' });
      const next = await connections.list(p1, { limit: 1, tenantId: 'org_acme', cursor: acme.nextCursor! });
      expect([...acme.data, ...next.data].every((c) => c.tenantId === 'org_acme')).toBe(true);
      expect(acme.data[0]?.id).not.toBe(next.data[0]?.id);
      expect((await connections.list(p1, { limit: 10, tenantId: 'org_other' })).data.map((c) => c.userId)).toEqual([
        'user_3',
      ]);
      expect((await connections.list(p1, { limit: 10, provider: 'other' })).data).toEqual([]);
      expect(JSON.stringify(await connections.list(p1, { limit: 100 }))).not.toMatch(/canary|rotated-refresh/);
    });

    it("answers another project's connection exactly like a missing one", async () => {
      const { connection } = await connections.upsertFromCode(authorization('user_iso'));
      const foreign = await Promise.all(
        [connections.get(p2, connection.id), connections.delete(p2, connection.id)].map(rejection),
      );
      const missing = await Promise.all(
        [connections.get(p2, 'con_missing'), connections.delete(p2, 'con_missing')].map(rejection),
      );
      expect(foreign.map((e) => [e.status, e.toBody()])).toEqual(missing.map((e) => [e.status, e.toBody()]));
      expect(foreign[0]?.toBody().code).toBe('connection_not_found');
    });
  });

  describe('delete', () => {
    it('removes the connection and its tokens', async () => {
      const { connection } = await connections.upsertFromCode(authorization('user_del'));
      await connections.delete(p1, connection.id);
      expect(await vault.db.query(`SELECT 1 FROM secrets WHERE record_id = $1`, [connection.id])).toEqual([]);
      expect((await rejection(connections.get(p1, connection.id))).toBody().code).toBe('connection_not_found');
    });
  });
});
