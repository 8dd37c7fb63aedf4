import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { asTenantExternalId } from '../../../apps/vault/src/common/tenant-ids';
import { EventStreamConsumer, EVENT_STREAM_CURSOR } from '../../../apps/vault/src/events/event-stream.consumer';
import { EventsService } from '../../../apps/vault/src/events/events.service';
import { WebhookEndpointsRepository } from '../../../apps/vault/src/webhooks/webhook-endpoints.repository';
import { aProject, type TestProject } from '@test/support/builders';
import { useReplicas, useTestVault, type TestVault } from '@test/support/test-vault';
import { catchUp } from '@test/support/webhook-world';

const count = async (vault: TestVault, sql: string, params: unknown[]) =>
  (await vault.db.query<{ n: number }>(sql, params))[0].n;

describe(EventStreamConsumer.name, () => {
  const vault = useTestVault();
  const replica = useReplicas(vault);
  let project: TestProject;

  beforeAll(async () => {
    project = await aProject(vault, 'stream');
    await vault
      .get(WebhookEndpointsRepository)
      .create(
        project.projectId,
        { id: 'ep_stream', url: 'https://hooks.example.com/x', description: null, eventTypes: [] },
        'whs_stream',
        vault.clock.date(),
      );
  });

  it('derives each event once when replicas consume the stream at the same time', async () => {
    const events = vault.get(EventsService);
    // What the issues must be: a model of "one open issue per problem, resolved on recovery".
    const status = new Map<string, string>();
    let opened = 0;
    for (let i = 0; i < 120; i++) {
      const credentialId = `con_${i % 7}`;
      const to = i % 3 === 0 ? 'active' : 'degraded';
      if (to === 'degraded' && status.get(credentialId) !== 'degraded') opened += 1;
      status.set(credentialId, to);
      await events.append(project.projectId, asTenantExternalId('org_stream'), 'credential.status_changed', {
        credentialId,
        kind: 'connection',
        from: 'active',
        to,
      });
    }
    const stillOpen = [...status.values()].filter((s) => s === 'degraded').length;
    const others = await Promise.all([replica(), replica()]);
    await Promise.all([vault, ...others].map((v) => v.get(EventStreamConsumer).drain()));
    await catchUp(vault);

    expect(
      await count(vault, `SELECT count(*)::int AS n FROM webhook_deliveries WHERE endpoint_id = 'ep_stream'`, []),
    ).toBe(120);
    expect(
      await count(
        vault,
        `SELECT count(DISTINCT event_id)::int AS n FROM webhook_deliveries WHERE endpoint_id = 'ep_stream'`,
        [],
      ),
    ).toBe(120);
    // Per credential, sequence numbers follow the order the events were written.
    const bodies = await vault.db.query<{ body: string }>(
      `SELECT body FROM webhook_deliveries WHERE endpoint_id = 'ep_stream' ORDER BY seq`,
    );
    const sequences = new Map<string, number[]>();
    for (const { body } of bodies) {
      const { data } = JSON.parse(body) as { data: { credentialId: string; sequence: number } };
      sequences.set(data.credentialId, [...(sequences.get(data.credentialId) ?? []), data.sequence]);
    }
    for (const seen of sequences.values()) expect(seen).toEqual(seen.map((_, i) => i + 1));
    expect(opened).toBeGreaterThan(7);
    expect(await count(vault, `SELECT count(*)::int AS n FROM issues WHERE project_id = $1`, [project.projectId])).toBe(
      opened,
    );
    expect(
      await count(vault, `SELECT count(*)::int AS n FROM issues WHERE project_id = $1 AND status = 'open'`, [
        project.projectId,
      ]),
    ).toBe(stillOpen);
  });

  it.runIf(process.env.DATABASE_URL)(
    'never skips an event whose transaction commits after a later one (PostgreSQL: concurrent writers)',
    async () => {
      const consumer = vault.get(EventStreamConsumer);
      await consumer.drain();
      const late = new pg.Client({ connectionString: vault.db.url! });
      await late.connect();
      try {
        await late.query('BEGIN');
        await late.query(
          `INSERT INTO events (id, project_id, type, payload, created_at) VALUES ('evt_late', $1, 'app.checked', '{"appId":"app_late","ok":true}', now())`,
          [project.projectId],
        );
        // A later transaction commits first.
        await vault.get(EventsService).append(project.projectId, null, 'app.checked', { appId: 'app_early', ok: true });
        await consumer.drain();
        const before = await vault.db.query<{ event_id: string }>(
          `SELECT event_id FROM webhook_deliveries WHERE endpoint_id = 'ep_stream' AND event_type = 'app.checked'`,
        );
        expect(before).toEqual([]);
        await late.query('COMMIT');
      } finally {
        await late.end();
      }
      await catchUp(vault);
      const after = await vault.db.query<{ body: string }>(
        `SELECT body FROM webhook_deliveries WHERE endpoint_id = 'ep_stream' AND event_type = 'app.checked' ORDER BY seq`,
      );
      expect(after.map((r) => (JSON.parse(r.body) as { data: { appId: string } }).data.appId)).toEqual([
        'app_late',
        'app_early',
      ]);
    },
  );

  it('keeps its place in the stream in one cursor row', async () => {
    const rows = await vault.db.query<{ name: string }>(`SELECT name FROM event_cursors`);
    expect(rows).toEqual([{ name: EVENT_STREAM_CURSOR }]);
  });
});
