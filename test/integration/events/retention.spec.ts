import { beforeAll, describe, expect, it } from 'vitest';
import { asTenantExternalId } from '../../../apps/vault/src/common/tenant-ids';
import { EventsService } from '../../../apps/vault/src/events/events.service';
import { RetentionJob } from '../../../apps/vault/src/retention/retention.job';
import { WebhookDispatcher } from '../../../apps/vault/src/webhooks/webhook-dispatcher';
import { WebhookEndpointsRepository } from '../../../apps/vault/src/webhooks/webhook-endpoints.repository';
import { aProject, type TestProject } from '@test/support/builders';
import { DAY_MS } from '@test/support/test-clock';
import { useTestVault } from '@test/support/test-vault';
import { catchUp } from '@test/support/webhook-world';

describe(RetentionJob.name, () => {
  const vault = useTestVault({
    env: {
      AUTHPIPE_RETENTION_EVENTS_DAYS: '7',
      AUTHPIPE_RETENTION_DELIVERIES_DAYS: '3',
      AUTHPIPE_RETENTION_HISTORY_DAYS: '30',
      AUTHPIPE_RETENTION_ISSUES_DAYS: '2',
    },
  });
  let project: TestProject;

  const rows = async (table: string): Promise<number> =>
    (await vault.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0].n;

  beforeAll(async () => {
    project = await aProject(vault, 'retention');
    // An endpoint nobody answers (its name does not resolve here): deliveries stay pending.
    await vault
      .get(WebhookEndpointsRepository)
      .create(
        project.projectId,
        { id: 'ep_nowhere', url: 'https://hooks.invalid/x', description: null, eventTypes: ['app.*'] },
        'whs_nowhere',
        vault.clock.date(),
      );
  });

  it('purges what is past its retention and keeps open issues, pending deliveries and unconsumed events', async () => {
    const events = vault.get(EventsService);
    const status = (credentialId: string, to: string) =>
      events.append(project.projectId, asTenantExternalId('org_ret'), 'credential.status_changed', {
        credentialId,
        kind: 'connection',
        from: 'active',
        to,
      });
    await status('con_open', 'revoked'); // stays open
    await status('con_fixed', 'degraded');
    await status('con_fixed', 'active'); // resolved now
    await events.append(project.projectId, null, 'app.checked', { appId: 'app_ret', ok: false });
    await catchUp(vault);
    await vault.get(WebhookDispatcher).dispatch();
    expect(await rows(`webhook_deliveries WHERE status = 'pending'`)).toBe(1);

    vault.clock.advance(8 * DAY_MS);
    // Written after the consumer's last batch: old enough later, but not consumed yet.
    const unconsumed = await events.append(project.projectId, null, 'app.deleted', { appId: 'app_unseen' });
    vault.clock.advance(8 * DAY_MS);
    const before = await rows('events');
    const result = await vault.get(RetentionJob).run();

    expect(result).toMatchObject({ events: 4, deliveries: 0, issues: 1 });
    expect(await rows('events')).toBe(before - 4);
    expect(await rows(`events WHERE id = '${unconsumed.id}'`)).toBe(1);
    expect(await rows(`issues WHERE project_id = '${project.projectId}' AND status = 'open'`)).toBe(1);
    expect(await rows(`issues WHERE project_id = '${project.projectId}' AND status = 'resolved'`)).toBe(0);
    // The pending delivery stays, whatever its age; a finished one goes after its retention.
    expect(await rows(`webhook_deliveries WHERE status = 'pending'`)).toBe(1);
    await vault.db.query(`UPDATE webhook_deliveries SET status = 'dead', finished_at = $1`, [
      vault.clock.date(-4 * DAY_MS),
    ]);
    expect((await vault.get(RetentionJob).run()).deliveries).toBe(1);
  });
});
