// A vault process killed outright (SIGKILL) between Microsoft's token reply and its commit: the
// refresh token was redeemed and rotated at Microsoft, the vault stored nothing. The killed
// process's lease expires and the next refresh decides: under Microsoft's rotation the previous
// refresh token still works and the refresh succeeds; under strict rotation (the emulator's fault:
// a refresh token with a successor is refused) the connection is flagged needs_reauth with the
// AADSTS code and remediation, never left silently broken. The child is the real vault (compiled,
// its own cron ticking on the wall clock); only its test entry holds the refresh before the commit
// (TEST_HOLD_REFRESH_COMMIT), so the kill lands exactly there. Child processes cannot share a
// PGlite data directory: without DATABASE_URL this file is skipped (CI runs it on PostgreSQL).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionsService } from '../../../apps/vault/src/connections/connections.service';
import { RefreshService } from '../../../apps/vault/src/refresh/refresh.service';
import { aLiveConnection, anApp, anAppBody, anEmulatorApp, aProject, HOUR_MS } from '@test/support/builders';
import { buildReplica, startReplicaProcess, type ReplicaBuild } from '@test/support/replica-process';
import { within } from '@test/support/replicas';
import { useTestEmulator } from '@test/support/test-emulator';
import { useTestVault } from '@test/support/test-vault';

const postgres = process.env.DATABASE_URL;
const SKIP_REASON = 'needs DATABASE_URL: several processes cannot open one PGlite data directory';
if (!postgres) console.info(`test/e2e/refresh/refresh-kill.e2e.spec.ts skipped: ${SKIP_REASON}`);

describe.skipIf(!postgres)(`a vault process killed between Microsoft's reply and the commit (${SKIP_REASON})`, () => {
  const t = useTestEmulator();
  const vault = useTestVault(() => ({ emulator: t, replicaId: 'refresh-kill-survivor' }));
  let build: ReplicaBuild | undefined;
  let caDir: string | undefined;

  beforeAll(async () => {
    build = buildReplica();
    caDir = await fs.mkdtemp(path.join(os.tmpdir(), 'authpipe-refresh-kill-'));
  }, 180_000);
  afterEach(async () => {
    await t.control('PUT', '/refresh-tokens/rotation', { mode: 'microsoft' });
  });
  afterAll(async () => {
    await build?.remove();
    if (caDir) await fs.rm(caDir, { recursive: true, force: true });
  });

  /**
   * A live connection due now on the wall clock, refreshed by a child vault that holds before the
   * commit and is then killed; returns the connection and its row as the kill left it.
   */
  async function killedMidRefresh(tenantId: string) {
    const project = await aProject(vault);
    const registered = await anEmulatorApp(t);
    const appId = await anApp(vault, project, anAppBody(t, registered));
    const { id } = await aLiveConnection(vault, t, { projectId: project.projectId, appId, tenantId }, registered);
    // Due on the child's wall clock (its cron decides when it ticks).
    await vault.db.query('UPDATE connections SET refresh_at = $2 WHERE id = $1', [id, new Date(Date.now() - 60_000)]);
    const [before] = await vault.db.query<{ version: number }>('SELECT version FROM connections WHERE id = $1', [id]);
    const tokenCalls = t.tokenCalls('refresh_token');

    const caFile = path.join(caDir!, 'ca.pem');
    await fs.writeFile(caFile, t.emulator.caCertPem);
    const origin = new URL(t.emulator.baseUrl);
    const child = await startReplicaProcess(build!, {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: vault.db.url!,
      AUTHPIPE_MASTER_KEYS: vault.env.AUTHPIPE_MASTER_KEYS,
      AUTHPIPE_SANDBOX: 'false',
      AUTHPIPE_MICROSOFT_CA_FILE: caFile,
      AUTHPIPE_CUSTOM_CLOUD_ORIGINS: origin.origin,
      AUTHPIPE_ALLOW_PRIVATE_NETWORKS: origin.hostname,
      HOST: '127.0.0.1',
      PORT: '0',
      TEST_REPLICA_ID: 'refresh-kill-victim',
      TEST_HOLD_REFRESH_COMMIT: '1',
    });
    try {
      // Its cron ticks every 10 seconds; the refresh got Microsoft's reply and holds before the commit.
      expect(await within(60_000, child.holding(), 'the child to hold a refreshed token set')).toBe(id);
      await child.kill();
    } finally {
      await child.close();
    }
    // Microsoft answered exactly once (and, under strict rotation, gave the old token a successor).
    expect(t.tokenCalls('refresh_token') - tokenCalls).toBe(1);
    const [after] = await vault.db.query<{ version: number; status: string; lease_owner: string | null }>(
      'SELECT version, status, lease_owner FROM connections WHERE id = $1',
      [id],
    );
    // Nothing committed: the old token set, still leased by the dead process.
    expect(after).toEqual({ version: before.version, status: 'active', lease_owner: 'refresh-kill-victim' });
    return { projectId: project.projectId, id, version: before.version };
  }

  async function leaseOwner(id: string): Promise<string | null> {
    const [row] = await vault.db.query<{ lease_owner: string | null }>(
      'SELECT lease_owner FROM connections WHERE id = $1',
      [id],
    );
    return row.lease_owner;
  }

  it("refreshes successfully afterwards under Microsoft's rotation (the previous refresh token stays valid)", async () => {
    const { projectId, id, version } = await killedMidRefresh('org_killed_ms');
    // Past the dead process's lease (LEASE_MS on its wall clock) on the survivor's clock.
    vault.clock.advance(2 * HOUR_MS);
    const outcome = await vault.get(RefreshService).refresh({ kind: 'connection', projectId, id }, 'scheduled');
    expect(outcome).toEqual({ result: 'refreshed', version: version + 1 });
    expect(await vault.get(ConnectionsService).find(projectId, id)).toMatchObject({ status: 'active' });
    expect(await leaseOwner(id)).toBeNull();
  }, 300_000);

  it('flags the connection needs_reauth with the reason under strict rotation, never silently broken', async () => {
    await t.control('PUT', '/refresh-tokens/rotation', { mode: 'strict' });
    const { projectId, id, version } = await killedMidRefresh('org_killed_strict');
    vault.clock.advance(2 * HOUR_MS);
    // The stored token has a successor the vault never stored: Microsoft refuses it (AADSTS70000).
    const outcome = await vault.get(RefreshService).refresh({ kind: 'connection', projectId, id }, 'scheduled');
    expect(outcome).toMatchObject({ result: 'failed', status: 'needs_reauth', failure: { aadsts: 70000 } });
    expect(await vault.get(ConnectionsService).find(projectId, id)).toMatchObject({
      version: version + 1,
      status: 'needs_reauth',
      statusAadsts: 70000,
      statusRemediation: expect.stringMatching(/connect again/),
      statusAction: 'reauthorize',
      statusActionUrl: expect.stringMatching(/^https?:\/\//),
      refreshAt: null,
    });
    expect(await leaseOwner(id)).toBeNull();
  }, 300_000);
});
