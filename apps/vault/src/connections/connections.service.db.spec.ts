import { beforeAll, describe, expect, it } from 'vitest';
import { dumpDatabase } from '../../../../test/keys/db-dump';
import { rejection, useFlowsDb } from '../../../../test/support/flows-db';
import { CredentialHistoryRepository } from '../credentials/credential-history.repository';
import { ConnectionsService, type AuthorizationResult } from './connections.service';

const P1 = 'prj_con_one';
const P2 = 'prj_con_two';

describe(ConnectionsService.name, () => {
  const flows = useFlowsDb({ projects: [P1, P2], apps: [P1] });
  let connections: ConnectionsService;

  const authorization = (userId: string, overrides: Partial<AuthorizationResult> = {}): AuthorizationResult => ({
    projectId: P1,
    tenantId: 'org_acme',
    userId,
    appId: flows.appIds[0],
    provider: 'microsoft-onedrive',
    installationId: null,
    oid: `oid-${userId}`,
    tid: 'c0a70000-0000-4000-8000-000000000001',
    upn: `${userId}@contoso.com`,
    scopes: ['User.Read', 'Files.ReadWrite.All', 'offline_access'],
    expiresAt: new Date(flows.clock.nowMs + 3_600_000),
    refreshAt: new Date(flows.clock.nowMs + 3_000_000),
    keepAliveAt: new Date(flows.clock.nowMs + 80 * 86_400_000),
    accessToken: `access-canary-${userId}`,
    refreshToken: `refresh-canary-${userId}`,
    sessionId: null,
    ...overrides,
  });

  beforeAll(() => {
    connections = flows.get(ConnectionsService);
  });

  describe('upsertFromCode', () => {
    it('creates the connection with both tokens encrypted and none in any table in clear', async () => {
      const { connection, created } = await connections.upsertFromCode(authorization('user_1'));
      expect(created).toBe(true);
      expect(await connections.readTokens(connection)).toMatchObject({
        accessToken: 'access-canary-user_1',
        refreshToken: 'refresh-canary-user_1',
      });
      expect(JSON.stringify(await dumpDatabase(flows.db))).not.toContain('canary-user_1');
    });

    it('re-authorizes the same user in place and keeps the previous account in history', async () => {
      const first = (await connections.upsertFromCode(authorization('user_2'))).connection;
      const { connection, created } = await connections.upsertFromCode(
        authorization('user_2', { upn: 'renamed@contoso.com', refreshToken: 'rotated-refresh' }),
      );
      expect(created).toBe(false);
      expect(connection).toMatchObject({ id: first.id, version: 1, upn: 'renamed@contoso.com' });
      const history = await flows.get(CredentialHistoryRepository).list(P1, { connectionId: first.id });
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
      const rows = await flows.db.query(`SELECT id FROM connections WHERE user_id = 'user_race'`);
      expect(rows).toEqual([{ id }]);
      const secrets = await flows.db.query<{ record_id: string }>(
        `SELECT DISTINCT record_id FROM secrets WHERE record_type = 'connection' AND record_id LIKE 'con_%' AND record_id NOT IN (SELECT id FROM connections)`,
      );
      expect(secrets).toEqual([]);
    });
  });

  describe('list and get', () => {
    it('filters by tenant and provider, pages by cursor and never shows a token', async () => {
      await connections.upsertFromCode(authorization('user_3', { tenantId: 'org_other' }));
      const acme = await connections.list(P1, { limit: 1, tenantId: 'org_acme' });
      const next = await connections.list(P1, { limit: 1, tenantId: 'org_acme', cursor: acme.nextCursor! });
      expect([...acme.data, ...next.data].every((c) => c.tenantId === 'org_acme')).toBe(true);
      expect(acme.data[0]?.id).not.toBe(next.data[0]?.id);
      expect((await connections.list(P1, { limit: 10, tenantId: 'org_other' })).data.map((c) => c.userId)).toEqual([
        'user_3',
      ]);
      expect((await connections.list(P1, { limit: 10, provider: 'other' })).data).toEqual([]);
      expect(JSON.stringify(await connections.list(P1, { limit: 100 }))).not.toMatch(/canary|rotated-refresh/);
    });

    it("answers another project's connection exactly like a missing one", async () => {
      const { connection } = await connections.upsertFromCode(authorization('user_iso'));
      const foreign = await Promise.all(
        [connections.get(P2, connection.id), connections.delete(P2, connection.id)].map(rejection),
      );
      const missing = await Promise.all(
        [connections.get(P2, 'con_missing'), connections.delete(P2, 'con_missing')].map(rejection),
      );
      expect(foreign.map((e) => [e.status, e.toBody()])).toEqual(missing.map((e) => [e.status, e.toBody()]));
      expect(foreign[0]?.toBody().code).toBe('connection_not_found');
    });
  });

  describe('delete', () => {
    it('removes the connection and its tokens', async () => {
      const { connection } = await connections.upsertFromCode(authorization('user_del'));
      await connections.delete(P1, connection.id);
      expect(await flows.db.query(`SELECT 1 FROM secrets WHERE record_id = $1`, [connection.id])).toEqual([]);
      expect((await rejection(connections.get(P1, connection.id))).toBody().code).toBe('connection_not_found');
    });
  });
});
