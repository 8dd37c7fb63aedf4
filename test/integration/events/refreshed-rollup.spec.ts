import { beforeAll, describe, expect, it } from 'vitest';
import { EventsService } from '../../../apps/vault/src/events/events.service';
import { RefreshedRollupJob } from '../../../apps/vault/src/events/refreshed-rollup.job';
import { RefreshService } from '../../../apps/vault/src/refresh/refresh.service';
import {
  aLiveConnection,
  anApp,
  anAppBody,
  anEmulatorApp,
  aProject,
  HOUR_MS,
  type RegisteredApp,
  type TestProject,
} from '@test/support/builders';
import { useTestEmulator } from '@test/support/test-emulator';
import { useReplicas, useTestVault } from '@test/support/test-vault';

describe(RefreshedRollupJob.name, () => {
  const t = useTestEmulator();
  const vault = useTestVault(() => ({ emulator: t }));
  const replica = useReplicas(vault);
  let project: TestProject;
  let registered: RegisteredApp;
  let appId: string;

  beforeAll(async () => {
    project = await aProject(vault, 'rollup');
    registered = await anEmulatorApp(t);
    appId = await anApp(vault, project, anAppBody(t, registered));
  });

  it('writes one credential.refreshed per tenant and window, not one per refresh', async () => {
    const base = { projectId: project.projectId, appId };
    const credentials = [
      await aLiveConnection(vault, t, { ...base, tenantId: 'org_r1' }, registered),
      await aLiveConnection(vault, t, { ...base, tenantId: 'org_r1' }, registered),
      await aLiveConnection(vault, t, { ...base, tenantId: 'org_r2' }, registered),
    ];
    const jobs = [vault, await replica({ emulator: t })].map((v) => v.get(RefreshedRollupJob));
    await jobs[0].run(); // starts the first window
    vault.clock.advance(2 * HOUR_MS);
    for (const c of credentials) {
      const outcome = await vault
        .get(RefreshService)
        .refresh({ kind: 'connection', projectId: project.projectId, id: c.id }, 'on_demand');
      expect(outcome.result).toBe('refreshed');
    }
    expect(await refreshedEvents()).toEqual([]);

    vault.clock.advance(HOUR_MS);
    await Promise.all(jobs.map((job) => job.run()));
    await Promise.all(jobs.map((job) => job.run()));

    const events = await refreshedEvents();
    expect(events.map((e) => [e.tenantId, e.payload.connections, e.payload.installations])).toEqual([
      ['org_r1', 2, 0],
      ['org_r2', 1, 0],
    ]);
  });

  async function refreshedEvents() {
    return (await vault.get(EventsService).list(project.projectId, { limit: 100, type: 'credential.refreshed' })).data;
  }
});
