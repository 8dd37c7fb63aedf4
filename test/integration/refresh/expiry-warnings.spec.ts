// Expiry warnings ahead of time, each once, on the test clock: an app's client secret (30, 7 and
// 1 days, then expired; a new secret starts over) and a connection whose refresh token nears the
// 90-day inactivity limit because keep-alive could not renew it.
import { describe, expect, it } from 'vitest';
import { RefreshService } from '../../../apps/vault/src/refresh/refresh.service';
import { ExpiryWarningsJob } from '../../../apps/vault/src/refresh/expiry-warnings.job';
import { INACTIVITY_LIMIT_MS, INACTIVITY_WARNING_MS } from '../../../apps/vault/src/refresh/refresh-timing';
import { aLiveConnection, anApp, anAppBody, anEmulatorApp, aProject, bearer, HOUR_MS } from '@test/support/builders';
import { DAY_MS } from '@test/support/test-clock';
import { useTestEmulator } from '@test/support/test-emulator';
import { useReplicas, useTestVault } from '@test/support/test-vault';

describe(ExpiryWarningsJob.name, () => {
  const t = useTestEmulator();
  const vault = useTestVault(() => ({ emulator: t }));
  const replica = useReplicas(vault);

  const eventsOf = async (projectId: string, types: string[]) =>
    (await vault.db.prisma.event.findMany({ where: { projectId, type: { in: types } }, orderBy: { seq: 'asc' } })).map(
      (e): Record<string, unknown> => ({ ...(e.payload as Record<string, unknown>), type: e.type }),
    );

  it("warns about an app's client secret 30, 7 and 1 days ahead, then once expired, each once", async () => {
    const project = await aProject(vault);
    const registered = await anEmulatorApp(t);
    const expiresAt = vault.clock.date(40 * DAY_MS);
    const body = anAppBody(t, registered);
    const appId = await anApp(vault, project, {
      ...body,
      credential: { type: 'secret', secret: registered.secret, expiresAt: expiresAt.toISOString() },
    });
    const job = vault.get(ExpiryWarningsJob);
    const other = (await replica({ emulator: t })).get(ExpiryWarningsJob);
    const types = ['app.credential_expiring', 'app.credential_expired'];

    expect((await job.run()).appsExpiring).toBe(0);
    for (const [advance, expected] of [
      [10 * DAY_MS + 1, [30]],
      [23 * DAY_MS, [30, 7]],
      [6 * DAY_MS + HOUR_MS, [30, 7, 1]],
      [DAY_MS, [30, 7, 1, 'expired']],
    ] as const) {
      vault.clock.advance(advance);
      // Two replicas running the job together send each warning once.
      await Promise.all([job.run(), other.run()]);
      await job.run();
      const events = await eventsOf(project.projectId, types);
      expect(events.map((e) => (e.type === 'app.credential_expired' ? 'expired' : e.daysLeft))).toEqual(expected);
      expect(events.at(-1)).toMatchObject({ appId, expiresAt: expiresAt.toISOString() });
    }

    // A new secret, expiring in 5 days: its own warnings, from the one now due.
    const renewed = vault.clock.date(5 * DAY_MS);
    await vault
      .api()
      .patch(`/v1/apps/${appId}`)
      .set(bearer(project.key))
      .send({ credential: { type: 'secret', secret: registered.secret, expiresAt: renewed.toISOString() } })
      .expect(200);
    await job.run();
    expect((await eventsOf(project.projectId, types)).at(-1)).toMatchObject({
      type: 'app.credential_expiring',
      daysLeft: 7,
      expiresAt: renewed.toISOString(),
    });
  });

  it('warns once about a connection keep-alive could not renew before the inactivity limit', async () => {
    const project = await aProject(vault);
    const registered = await anEmulatorApp(t);
    const appId = await anApp(vault, project, anAppBody(t, registered));
    const base = { projectId: project.projectId, appId, tenantId: 'org_idle' };
    const { id } = await aLiveConnection(vault, t, base, registered);
    const fresh = await aLiveConnection(vault, t, { ...base, tenantId: 'org_fresh' }, registered);
    // Its last good refresh long ago (keep-alive kept failing since).
    const lastRefreshedAt = vault.clock.date(-(INACTIVITY_LIMIT_MS - INACTIVITY_WARNING_MS));
    await vault.db.query(`UPDATE connections SET last_refreshed_at = $2, status = 'degraded' WHERE id = $1`, [
      id,
      lastRefreshedAt,
    ]);
    const job = vault.get(ExpiryWarningsJob);

    expect((await job.run()).connectionsExpiring).toBe(1);
    expect((await job.run()).connectionsExpiring).toBe(0);
    const events = await eventsOf(project.projectId, ['credential.expiring']);
    expect(events).toEqual([
      expect.objectContaining({
        credentialId: id,
        kind: 'connection',
        expiresAt: new Date(lastRefreshedAt.getTime() + INACTIVITY_LIMIT_MS).toISOString(),
      }),
    ]);
    expect(events.some((e) => e.credentialId === fresh.id)).toBe(false);

    // A good refresh renews the token and clears the warning: a later lapse is warned about again.
    vault.clock.advance(2 * HOUR_MS);
    const outcome = await vault
      .get(RefreshService)
      .refresh({ kind: 'connection', projectId: project.projectId, id }, 'on_demand');
    expect(outcome.result).toBe('refreshed');
    const [row] = await vault.db.query<{ expiry_warned_at: Date | null }>(
      'SELECT expiry_warned_at FROM connections WHERE id = $1',
      [id],
    );
    expect(row.expiry_warned_at).toBeNull();
  });
});
