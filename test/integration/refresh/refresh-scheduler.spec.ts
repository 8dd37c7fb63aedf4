// The refresh scheduler every replica runs, driven tick by tick on the test clock (a test vault's
// cron jobs are stopped: they would tick on the wall clock): due credentials leased in batches and
// refreshed through the shared RefreshService, keep-alive, replicas sharing the work, shutdown.
import { describe, expect, it } from 'vitest';
import { InvalidationBus } from '../../../apps/vault/src/bus/invalidation-bus';
import { ConnectionsService } from '../../../apps/vault/src/connections/connections.service';
import { InstallationsService } from '../../../apps/vault/src/installations/installations.service';
import { DueCredentialsRepository } from '../../../apps/vault/src/refresh/due-credentials.repository';
import { RefreshScheduler } from '../../../apps/vault/src/refresh/refresh-scheduler';
import { RefreshService } from '../../../apps/vault/src/refresh/refresh.service';
import { KEEP_ALIVE_MS } from '../../../apps/vault/src/refresh/refresh-timing';
import {
  aLiveConnection,
  anApp,
  anAppBody,
  anEmulatorApp,
  anInstallation,
  aProject,
  HOUR_MS,
} from '@test/support/builders';
import { DAY_MS } from '@test/support/test-clock';
import { SEED, useTestEmulator, type TestEmulator } from '@test/support/test-emulator';
import { useReplicas, useTestVault, type TestVault } from '@test/support/test-vault';

/** A project and emulator app on `vault`, and a way to make live connections of it. */
async function aSetup(vault: TestVault, t: TestEmulator) {
  const project = await aProject(vault);
  const registered = await anEmulatorApp(t);
  const appId = await anApp(vault, project, anAppBody(t, registered));
  let tenants = 0;
  const live = async () =>
    (
      await aLiveConnection(
        vault,
        t,
        { projectId: project.projectId, appId, tenantId: `org_sched_${++tenants}` },
        registered,
      )
    ).id;
  return { project, registered, appId, live };
}

describe(RefreshScheduler.name, () => {
  const t = useTestEmulator();

  describe('tick', () => {
    const vault = useTestVault(() => ({ emulator: t, env: { AUTHPIPE_REFRESH_BATCH_SIZE: '2' } }));

    it('refreshes what is due on the vault clock, in batches, and leaves the rest alone', async () => {
      const { project, registered, appId, live } = await aSetup(vault, t);
      t.emulator.store.grantAdminConsent({
        tenantId: SEED.contoso.tenantId,
        clientId: registered.clientId,
        roles: ['Files.ReadWrite.All'],
        scopes: [],
        grantedBy: SEED.contoso.admin.id,
      });
      const due = [await live(), await live(), await live(), await live(), await live()];
      const installation = await anInstallation(vault, {
        projectId: project.projectId,
        appId,
        tenantId: 'org_sched_i',
      });
      const connections = vault.get(ConnectionsService);
      // Not due yet: nothing is leased, nothing reaches Microsoft.
      expect(await vault.get(RefreshScheduler).tick()).toEqual({ leased: 0, results: {}, released: 0 });

      // Past every refresh_at (an hour's tokens, refresh_at 10 minutes before expiry).
      vault.clock.advance(HOUR_MS - 9 * 60_000);
      const calls = t.tokenCalls('refresh_token');
      const result = await vault.get(RefreshScheduler).tick();

      // Batches of 2 per table until a short batch: all five connections and the installation.
      expect(result).toEqual({ leased: 6, results: { refreshed: 6 }, released: 0 });
      expect(t.tokenCalls('refresh_token')).toBe(calls + 5);
      for (const id of due) {
        const row = await connections.find(project.projectId, id);
        expect(row).toMatchObject({ status: 'active', lastRefreshedAt: vault.clock.date() });
        // The next turn at about 80% of the new lifetime, the keep-alive two weeks out.
        expect(row.refreshAt!.getTime()).toBeGreaterThan(vault.clock.nowMs + 0.7 * HOUR_MS);
        expect(row.keepAliveAt?.getTime()).toBe(vault.clock.nowMs + KEEP_ALIVE_MS);
        const lease = await vault.db.query<{ lease_owner: string | null }>(
          'SELECT lease_owner FROM connections WHERE id = $1',
          [id],
        );
        expect(lease[0].lease_owner).toBeNull();
      }
      const installed = await vault.get(InstallationsService).find(project.projectId, installation);
      expect(installed.lastRefreshedAt?.getTime()).toBe(vault.clock.nowMs);
      // Refreshed: nothing is due at the next tick.
      expect((await vault.get(RefreshScheduler).tick()).leased).toBe(0);
    });

    it("renews an unused connection's refresh token before the inactivity limit (keep-alive)", async () => {
      const { project, live } = await aSetup(vault, t);
      const id = await live();
      const connections = vault.get(ConnectionsService);
      // Not used for its access token, so nothing else would ever refresh it.
      await vault.db.query('UPDATE connections SET refresh_at = NULL, keep_alive_at = $2 WHERE id = $1', [
        id,
        vault.clock.date(DAY_MS),
      ]);
      const before = await connections.find(project.projectId, id);
      vault.clock.advance(DAY_MS);

      await vault.get(RefreshScheduler).tick();

      const after = await connections.find(project.projectId, id);
      expect(after.version).toBe(before.version + 1);
      expect(after.keepAliveAt?.getTime()).toBe(vault.clock.nowMs + KEEP_ALIVE_MS);
      // Well inside Microsoft's 90 days of inactivity.
      expect(KEEP_ALIVE_MS).toBeLessThanOrEqual(30 * DAY_MS);
    });

    it('leases the connections due earliest by either date, each once, at most a batch at a time', async () => {
      const { live } = await aSetup(vault, t);
      const [byKeepAlive, byBoth, byRefresh] = [await live(), await live(), await live()];
      const HOUR = 3600_000;
      await vault.db.query('UPDATE connections SET refresh_at = NULL, keep_alive_at = NULL');
      const due = async (id: string, refreshAt: Date | null, keepAliveAt: Date | null) =>
        vault.db.query('UPDATE connections SET refresh_at = $2, keep_alive_at = $3 WHERE id = $1', [
          id,
          refreshAt,
          keepAliveAt,
        ]);
      await due(byKeepAlive, null, vault.clock.date(-3 * HOUR));
      await due(byBoth, vault.clock.date(-HOUR / 2), vault.clock.date(-5 * HOUR));
      await due(byRefresh, vault.clock.date(-1 * HOUR), vault.clock.date(DAY_MS));
      const repository = vault.get(DueCredentialsRepository);
      const lease = async () =>
        (await repository.leaseDue(vault.clock.date(), 'spec', vault.clock.date(60_000), 2))
          .filter((ref) => ref.kind === 'connection')
          .map((ref) => ref.id)
          .sort();

      // The earliest two by their earlier date (5 h and 3 h ago), the one due both ways once.
      expect(await lease()).toEqual([byBoth, byKeepAlive].sort());
      expect(await lease()).toEqual([byRefresh]);
      expect(await lease()).toEqual([]);
    });

    it('never leases a connection that needs a person, even when its keep-alive date passed', async () => {
      const { project, live } = await aSetup(vault, t);
      const id = await live();
      await vault.db.query(
        `UPDATE connections SET status = 'needs_reauth', refresh_at = NULL, keep_alive_at = $2 WHERE id = $1`,
        [id, vault.clock.date()],
      );
      vault.clock.advance(1000);
      await vault.get(RefreshScheduler).tick();
      const row = await vault.get(ConnectionsService).find(project.projectId, id);
      expect(row).toMatchObject({ status: 'needs_reauth', lastRefreshedAt: expect.any(Date) });
      expect(row.lastRefreshedAt!.getTime()).toBeLessThan(vault.clock.nowMs);
    });
  });

  describe('replicas', () => {
    const vault = useTestVault(() => ({ emulator: t }));
    const replica = useReplicas(vault);

    it('shares due credentials between replicas ticking at once: one refresh each', async () => {
      const { project, live } = await aSetup(vault, t);
      const ids = await Promise.all(Array.from({ length: 12 }, () => live()));
      const connections = vault.get(ConnectionsService);
      const versions = await Promise.all(
        ids.map(async (id) => (await connections.find(project.projectId, id)).version),
      );
      const others = [await replica({ emulator: t }), await replica({ emulator: t })];
      vault.clock.advance(2 * HOUR_MS);
      const calls = t.tokenCalls('refresh_token');

      const results = await Promise.all([vault, ...others].map((v) => v.get(RefreshScheduler).tick()));

      expect(results.reduce((n, r) => n + r.leased, 0)).toBe(12);
      expect(results.reduce((n, r) => n + (r.results.refreshed ?? 0), 0)).toBe(12);
      expect(t.tokenCalls('refresh_token')).toBe(calls + 12);
      for (const [i, id] of ids.entries()) {
        expect((await connections.find(project.projectId, id)).version).toBe(versions[i] + 1);
      }
    });
  });

  describe('shutdown', () => {
    const vault = useTestVault(() => ({
      emulator: t,
      env: { AUTHPIPE_REFRESH_CONCURRENCY: '1', AUTHPIPE_REFRESH_BATCH_SIZE: '50' },
    }));

    it('stops leasing, finishes the refresh in flight and releases what it had not started', async () => {
      const { project, live } = await aSetup(vault, t);
      const ids = await Promise.all(Array.from({ length: 5 }, () => live()));
      vault.clock.advance(2 * HOUR_MS);
      const scheduler = vault.get(RefreshScheduler);
      const first = new Promise<void>((resolve) => {
        const stop = vault.get(InvalidationBus).subscribe('credential.changed', () => {
          stop();
          resolve();
        });
      });
      const tick = scheduler.tick();
      await first;
      await scheduler.beforeApplicationShutdown();
      const result = await tick;

      expect(result.leased).toBe(5);
      expect(result.results.refreshed).toBeGreaterThanOrEqual(1);
      expect(result.released).toBeGreaterThanOrEqual(1);
      expect((result.results.refreshed ?? 0) + result.released).toBe(5);
      const leases = await vault.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM connections WHERE id = ANY($1) AND lease_owner IS NOT NULL',
        [ids],
      );
      expect(leases[0].n).toBe(0);
      // Released rows are still due, for this replica's successor or another one.
      const unrefreshed = [];
      for (const id of ids) {
        const row = await vault.get(ConnectionsService).find(project.projectId, id);
        if (row.lastRefreshedAt!.getTime() < vault.clock.nowMs) unrefreshed.push(row);
      }
      expect(unrefreshed).toHaveLength(result.released);
      expect(unrefreshed.every((row) => row.refreshAt!.getTime() <= vault.clock.nowMs)).toBe(true);
      // A stopping scheduler leases nothing more.
      expect(await scheduler.tick()).toEqual({ leased: 0, results: {}, released: 0 });
      expect(
        (
          await vault
            .get(RefreshService)
            .refresh({ kind: 'connection', projectId: project.projectId, id: unrefreshed[0].id }, 'scheduled')
        ).result,
      ).toBe('refreshed');
    });
  });

  describe('metrics', () => {
    const vault = useTestVault(() => ({ emulator: t }));

    it('counts credentials by status, attempts by result and class, lag and token-endpoint latency', async () => {
      const { live } = await aSetup(vault, t);
      const ids = [await live(), await live(), await live()];
      const revoked = await vault.db.query<{ oid: string }>('SELECT oid FROM connections WHERE id = $1', [ids[2]]);
      vault.clock.advance(1000);
      t.emulator.store.revokeSignInSessions(SEED.contoso.tenantId, revoked[0].oid);
      vault.clock.advance(2 * HOUR_MS);
      await vault.get(RefreshScheduler).tick();

      const res = await vault.api().get('/metrics').expect(200);
      const line = (name: string, labels: string) => {
        const selector = labels === '' ? name : `${name}{${labels}}`;
        const found = res.text.split('\n').find((l) => l.startsWith(`${selector} `));
        return Number(found?.slice(selector.length + 1));
      };
      const connection = 'kind="connection",provider="microsoft-onedrive"';
      expect(line('authpipe_credentials', `${connection},status="active"`)).toBe(2);
      expect(line('authpipe_credentials', `${connection},status="needs_reauth"`)).toBe(1);
      expect(line('authpipe_refresh_attempts_total', 'result="refreshed",class="none",kind="connection"')).toBe(2);
      expect(line('authpipe_refresh_attempts_total', 'result="failed",class="needs_reauth",kind="connection"')).toBe(1);
      expect(line('authpipe_refresh_lag_seconds_count', '')).toBe(3);
      // Due since their refresh_at, 10 minutes before the hour's expiry: over an hour late on this clock.
      expect(line('authpipe_refresh_lag_seconds_bucket', 'le="3600"')).toBe(0);
      expect(line('authpipe_token_endpoint_duration_seconds_count', 'kind="connection",outcome="ok"')).toBe(2);
      expect(line('authpipe_token_endpoint_duration_seconds_count', 'kind="connection",outcome="error"')).toBe(1);
      for (const id of ids) expect(res.text).not.toContain(id);
    });
  });
});
