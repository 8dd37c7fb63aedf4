import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFlowsHarness, insertProject, type FlowsHarness } from '../../../../test/flows/flows-harness';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/test-database';
import { EventsService } from './events.service';

const P1 = 'prj_evt_one';
const P2 = 'prj_evt_two';

describe(EventsService.name, () => {
  let db: TestDatabase;
  let harness: FlowsHarness;
  let events: EventsService;

  beforeAll(async () => {
    db = await createTestDatabase();
    harness = await createFlowsHarness(db);
    events = harness.module.get(EventsService);
    await insertProject(db, P1);
    await insertProject(db, P2);
  }, 120_000);

  afterAll(async () => {
    await harness?.close();
    await db?.close();
  });

  describe('append', () => {
    it('stores the event under the tenant, creating the tenant on first use', async () => {
      const event = await events.append(P1, 'org_new', 'installation.created', {
        installationId: 'ins_1',
        scopes: ['Files.Read.All'],
      });
      expect(event).toMatchObject({
        tenantExternalId: 'org_new',
        type: 'installation.created',
        payload: { installationId: 'ins_1' },
      });
      expect(
        await db.query(`SELECT 1 FROM tenants WHERE project_id = $1 AND external_id = 'org_new'`, [P1]),
      ).toHaveLength(1);
    });

    it.each(['accessToken', 'clientSecret', 'password', 'codeVerifier', 'privateKeyPem'])(
      'refuses a payload key named %s and stores nothing',
      async (key) => {
        const before = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events`);
        await expect(events.append(P1, null, 'app.checked', { [key]: 'x' })).rejects.toThrow(/must not name secrets/);
        expect(await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM events`)).toEqual(before);
      },
    );
  });

  describe('list', () => {
    it("pages through the project's events in order, filtered by tenant and type, never another project's", async () => {
      for (let i = 0; i < 5; i++) await events.append(P2, 'org_a', 'connection.created', { n: i });
      await events.append(P2, 'org_b', 'connection.created', { n: 99 });
      await events.append(P2, null, 'app.checked', { ok: true });
      await events.append(P1, 'org_a', 'connection.created', { n: -1 });
      const seen: unknown[] = [];
      let cursor: string | undefined;
      do {
        const page = await events.list(P2, { limit: 2, tenantId: 'org_a', type: 'connection.created', cursor });
        seen.push(...page.data.map((e) => e.payload.n));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual([0, 1, 2, 3, 4]);
      const all = await events.list(P2, { limit: 100 });
      expect(all.data.map((e) => e.type)).toEqual([...Array(6).fill('connection.created'), 'app.checked']);
      expect(all.data.at(-1)?.tenantId).toBeNull();
    });
  });
});
