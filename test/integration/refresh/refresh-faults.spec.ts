// Faults driven through the emulator's control API against the scheduler and the refresh: a 503
// storm (degraded with backoff, nothing marked dead, all recover) and a rotated refresh token
// whose reply never reached the vault (what happens next, under Microsoft's rotation and under
// strict rotation).
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionsService } from '../../../apps/vault/src/connections/connections.service';
import { RefreshScheduler } from '../../../apps/vault/src/refresh/refresh-scheduler';
import { RefreshService } from '../../../apps/vault/src/refresh/refresh.service';
import { aLiveConnection, anApp, anAppBody, anEmulatorApp, aProject, HOUR_MS } from '@test/support/builders';
import { useTestEmulator } from '@test/support/test-emulator';
import { useTestVault } from '@test/support/test-vault';

describe('refresh under faults', () => {
  const t = useTestEmulator();
  const vault = useTestVault(() => ({ emulator: t }));

  afterEach(async () => {
    await t.control('DELETE', '/faults');
    await t.control('PUT', '/refresh-tokens/rotation', { mode: 'microsoft' });
  });

  async function liveConnections(n: number, tenant: string) {
    const project = await aProject(vault);
    const registered = await anEmulatorApp(t);
    const appId = await anApp(vault, project, anAppBody(t, registered));
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      ids.push(
        (
          await aLiveConnection(
            vault,
            t,
            { projectId: project.projectId, appId, tenantId: `${tenant}_${i}` },
            registered,
          )
        ).id,
      );
    }
    return { projectId: project.projectId, ids };
  }

  it('rides out a 503 storm of two minutes degraded with backoff, marks nothing dead, and recovers all', async () => {
    const { projectId, ids } = await liveConnections(4, 'org_storm');
    const connections = vault.get(ConnectionsService);
    const scheduler = vault.get(RefreshScheduler);
    vault.clock.advance(2 * HOUR_MS);
    await t.control('POST', '/faults', { kind: 'status', status: 503, pathPrefix: '/', fraction: 1 });

    // Two minutes of (emulator and vault) clock, a scheduler tick every 10 seconds.
    for (let s = 0; s < 120; s += 10) {
      await scheduler.tick();
      vault.clock.advance(10_000);
    }

    const during = await Promise.all(ids.map((id) => connections.find(projectId, id)));
    for (const row of during) {
      expect(row.status).toBe('degraded');
      expect(row.refreshAt!.getTime()).toBeGreaterThan(vault.clock.nowMs - 60_000);
    }
    // Backoff, not a retry per tick: 12 ticks, yet 2 or 3 attempts each (after 30 s, then 60 s, ± 20%).
    for (const row of during) {
      expect(row.failureCount).toBeGreaterThanOrEqual(2);
      expect(row.failureCount).toBeLessThanOrEqual(3);
    }

    await t.control('DELETE', '/faults');
    vault.clock.advance(5 * 60_000);
    const recovered = await scheduler.tick();
    expect(recovered.results.refreshed).toBeGreaterThanOrEqual(ids.length);
    for (const id of ids) {
      expect(await connections.find(projectId, id)).toMatchObject({ status: 'active', failureCount: 0 });
    }
    const events = await vault.db.prisma.event.findMany({ where: { projectId } });
    expect(events.filter((e) => e.type === 'credential.recovered')).toHaveLength(ids.length);
    expect(events.some((e) => ['needs_reauth', 'revoked'].includes((e.payload as { to?: string }).to ?? ''))).toBe(
      false,
    );
  });

  describe('a reply lost after Microsoft rotated the refresh token', () => {
    const loseNextTokenReply = () => t.control('POST', '/faults', { kind: 'reply_lost', pathPrefix: '/', count: 1 });

    it("is retried and succeeds under Microsoft's rotation (the previous refresh token stays valid)", async () => {
      const { projectId, ids } = await liveConnections(1, 'org_lost_ms');
      const refresh = vault.get(RefreshService);
      const ref = { kind: 'connection' as const, projectId, id: ids[0] };
      vault.clock.advance(2 * HOUR_MS);
      await loseNextTokenReply();

      expect(await refresh.refresh(ref, 'on_demand')).toMatchObject({ result: 'failed', status: 'degraded' });
      vault.clock.advance(5 * 60_000);
      expect((await refresh.refresh(ref, 'scheduled')).result).toBe('refreshed');
      expect(await vault.get(ConnectionsService).find(projectId, ids[0])).toMatchObject({ status: 'active' });
    });

    it('flags the connection needs_reauth with the reason under strict rotation, never silently broken', async () => {
      const { projectId, ids } = await liveConnections(1, 'org_lost_strict');
      await t.control('PUT', '/refresh-tokens/rotation', { mode: 'strict' });
      const refresh = vault.get(RefreshService);
      const ref = { kind: 'connection' as const, projectId, id: ids[0] };
      vault.clock.advance(2 * HOUR_MS);
      await loseNextTokenReply();

      // The token was redeemed and rotated at Microsoft; the vault saw a dropped connection.
      expect(await refresh.refresh(ref, 'on_demand')).toMatchObject({ result: 'failed', status: 'degraded' });
      vault.clock.advance(5 * 60_000);
      // Its stored token has a successor it never received: Microsoft refuses it (AADSTS70000).
      const outcome = await refresh.refresh(ref, 'scheduled');
      expect(outcome).toMatchObject({ result: 'failed', status: 'needs_reauth', failure: { aadsts: 70000 } });
      expect(await vault.get(ConnectionsService).find(projectId, ids[0])).toMatchObject({
        status: 'needs_reauth',
        statusAadsts: 70000,
        statusRemediation: expect.stringMatching(/connect again/),
        statusAction: 'reauthorize',
        refreshAt: null,
      });
    });
  });
});
