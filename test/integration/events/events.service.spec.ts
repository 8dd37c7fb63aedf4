import { beforeAll, describe, expect, it, vi } from 'vitest';
import { asTenantExternalId } from '../../../apps/vault/src/common/tenant-ids';
import { EventsService } from '../../../apps/vault/src/events/events.service';
import { aProject } from '@test/support/builders';
import { useTestVault } from '@test/support/test-vault';

describe(EventsService.name, () => {
  const vault = useTestVault();
  let events: EventsService;
  let p1: string;
  let p2: string;

  beforeAll(async () => {
    events = vault.get(EventsService);
    p1 = (await aProject(vault, 'one')).projectId;
    p2 = (await aProject(vault, 'two')).projectId;
  });

  describe('append', () => {
    it('stores the event under the tenant, creating the tenant on first use', async () => {
      const event = await events.append(p1, asTenantExternalId('org_new'), 'installation.created', {
        installationId: 'ins_1',
        scopes: ['Files.Read.All'],
      });
      expect(event).toMatchObject({
        tenantExternalId: 'org_new',
        type: 'installation.created',
        payload: { installationId: 'ins_1' },
      });
      expect(
        await vault.db.query(`SELECT 1 FROM tenants WHERE project_id = $1 AND external_id = 'org_new'`, [p1]),
      ).toHaveLength(1);
    });

    it.each(['accessToken', 'clientSecret', 'password', 'codeVerifier', 'privateKeyPem'])(
      'refuses a payload key named %s and stores nothing',
      async (key) => {
        const before = await vault.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events`);
        await expect(events.append(p1, null, 'app.checked', { [key]: 'x' })).rejects.toThrow(/must not name secrets/);
        expect(await vault.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events`)).toEqual(before);
      },
    );
  });

  describe('list', () => {
    it("pages through the project's events in order, filtered by tenant and type, never another project's", async () => {
      for (let i = 0; i < 5; i++) await events.append(p2, asTenantExternalId('org_a'), 'connection.created', { n: i });
      await events.append(p2, asTenantExternalId('org_b'), 'connection.created', { n: 99 });
      await events.append(p2, null, 'app.checked', { ok: true });
      await events.append(p1, asTenantExternalId('org_a'), 'connection.created', { n: -1 });
      // An event is listed once every transaction older than its own has ended; on a PostgreSQL
      // server that other suites share, one of theirs may still be open: wait for the horizon.
      const all = await vi.waitFor(
        async () => {
          const listed = await events.list(p2, { limit: 100 });
          expect(listed.data.map((e) => e.type)).toEqual([...Array(6).fill('connection.created'), 'app.checked']);
          return listed;
        },
        { timeout: 30_000, interval: 50 },
      );
      const seen: unknown[] = [];
      let cursor: string | undefined;
      do {
        const page = await events.list(p2, { limit: 2, tenantId: 'org_a', type: 'connection.created', cursor });
        seen.push(...page.data.map((e) => e.payload.n));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual([0, 1, 2, 3, 4]);
      expect(all.data.at(-1)?.tenantId).toBeNull();
    });
  });

  describe('list filters', () => {
    it('finds the events about one credential or app, and those since a date', async () => {
      const p3 = (await aProject(vault, 'three')).projectId;
      await events.append(p3, asTenantExternalId('org_f'), 'connection.created', {
        connectionId: 'con_f1',
        appId: 'app_f',
      });
      await events.append(p3, asTenantExternalId('org_f'), 'credential.status_changed', {
        credentialId: 'con_f1',
        to: 'revoked',
      });
      await events.append(p3, asTenantExternalId('org_f'), 'connection.created', {
        connectionId: 'con_f2',
        appId: 'app_f',
      });
      vault.clock.advance(60_000);
      const since = vault.clock.iso();
      await events.append(p3, null, 'app.checked', { appId: 'app_f', ok: true });

      const about = await events.list(p3, { limit: 100, credentialId: 'con_f1' });
      expect(about.data.map((e) => e.type)).toEqual(['connection.created', 'credential.status_changed']);
      const app = await events.list(p3, { limit: 100, appId: 'app_f' });
      expect(app.data).toHaveLength(3);
      const recent = await events.list(p3, { limit: 100, since });
      expect(recent.data.map((e) => e.type)).toEqual(['app.checked']);
      expect((await events.list(p1, { limit: 100, credentialId: 'con_f1' })).data).toEqual([]);
    });
  });
});
