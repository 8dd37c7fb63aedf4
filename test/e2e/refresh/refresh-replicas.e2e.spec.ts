// Three vault processes on one PostgreSQL, each running its refresh scheduler on its own (wall)
// clock as in production, 2,000 connections due at once, one process killed outright mid-run:
// every credential is refreshed and committed exactly once, the only extra token calls are the
// killed process's refreshes in flight (at most its concurrency), its leases are retaken after
// they expire, nothing deadlocks. Child processes cannot share a PGlite directory: without
// DATABASE_URL this file is skipped (CI runs it on PostgreSQL).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidationBus } from '../../../apps/vault/src/bus/invalidation-bus';
import { ConnectionsService } from '../../../apps/vault/src/connections/connections.service';
import { anApp, anAppBody, anEmulatorApp, aProject } from '@test/support/builders';
import {
  buildReplica,
  startReplicaProcess,
  type ReplicaBuild,
  type ReplicaProcess,
} from '@test/support/replica-process';
import { within } from '@test/support/replicas';
import { SEED, useTestEmulator } from '@test/support/test-emulator';
import { useTestVault } from '@test/support/test-vault';

const postgres = process.env.DATABASE_URL;
const SKIP_REASON = 'needs DATABASE_URL: several processes cannot open one PGlite data directory';
if (!postgres) console.info(`test/e2e/refresh/refresh-replicas.e2e.spec.ts skipped: ${SKIP_REASON}`);

const CREDENTIALS = 2000;
const CONCURRENCY = 16;

describe.skipIf(!postgres)(`three vault processes refreshing on one PostgreSQL (${SKIP_REASON})`, () => {
  const t = useTestEmulator();
  const vault = useTestVault(() => ({ emulator: t, replicaId: 'refresh-seeder' }));
  let build: ReplicaBuild | undefined;
  const replicas: ReplicaProcess[] = [];
  let caDir: string | undefined;

  beforeAll(() => {
    build = buildReplica();
  }, 180_000);
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.close()));
    await build?.remove();
    if (caDir) await fs.rm(caDir, { recursive: true, force: true });
  });

  it('commits exactly one refresh per credential while one process is killed mid-run', async () => {
    const project = await aProject(vault);
    const registered = await anEmulatorApp(t);
    const appId = await anApp(vault, project, anAppBody(t, registered));
    const seeded = await t.control<{ userIds: string[]; refreshTokens: string[] }>('POST', '/bulk/users', {
      tenantId: SEED.contoso.tenantId,
      count: CREDENTIALS,
      upnPrefix: `replicas-${Date.now()}-`,
      grant: {
        clientId: registered.clientId,
        scopes: ['offline_access', 'openid', 'profile', 'User.Read', 'Files.ReadWrite.All'],
      },
    });
    const connections = vault.get(ConnectionsService);
    const now = vault.clock.nowMs;
    for (let i = 0; i < CREDENTIALS; i++) {
      await connections.upsertFromCode({
        projectId: project.projectId,
        tenantId: `org_r${i % 50}`,
        userId: `user_${i}`,
        appId,
        provider: 'microsoft-onedrive',
        installationId: null,
        oid: seeded.userIds[i],
        tid: SEED.contoso.tenantId,
        upn: null,
        scopes: ['User.Read', 'offline_access'],
        expiresAt: new Date(now + 3_600_000),
        refreshAt: new Date(now + 3_000_000),
        keepAliveAt: new Date(now + 14 * 86_400_000),
        accessToken: `placeholder-${i}`,
        refreshToken: seeded.refreshTokens[i],
        sessionId: null,
      });
    }
    // All due at once on the processes' wall clocks.
    await vault.db.query(`UPDATE connections SET refresh_at = $2 WHERE project_id = $1`, [
      project.projectId,
      new Date(Date.now() - 60_000),
    ]);
    const before = await vault.db.query<{ id: string; version: number }>(
      'SELECT id, version FROM connections WHERE project_id = $1',
      [project.projectId],
    );
    expect(before).toHaveLength(CREDENTIALS);

    // The processes reach the emulator as production reaches Microsoft: its CA, an allowed custom cloud.
    caDir = await fs.mkdtemp(path.join(os.tmpdir(), 'authpipe-refresh-replicas-'));
    const caFile = path.join(caDir, 'ca.pem');
    await fs.writeFile(caFile, t.emulator.caCertPem);
    const origin = new URL(t.emulator.baseUrl);
    const env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      DATABASE_URL: vault.db.url!,
      AUTHPIPE_MASTER_KEYS: vault.env.AUTHPIPE_MASTER_KEYS,
      AUTHPIPE_SANDBOX: 'false',
      AUTHPIPE_MICROSOFT_CA_FILE: caFile,
      AUTHPIPE_CUSTOM_CLOUD_ORIGINS: origin.origin,
      AUTHPIPE_ALLOW_PRIVATE_NETWORKS: origin.hostname,
      AUTHPIPE_REFRESH_CONCURRENCY: String(CONCURRENCY),
      AUTHPIPE_REFRESH_BATCH_SIZE: '100',
      HOST: '127.0.0.1',
      PORT: '0',
    };
    const calls = t.tokenCalls('refresh_token');
    const committed = new Set<string>();
    const everyone = new Promise<void>((resolve) => {
      const stop = vault.get(InvalidationBus).subscribe('credential.changed', (m) => {
        if (m.projectId !== project.projectId) return;
        committed.add(m.id);
        if (committed.size === CREDENTIALS) {
          stop();
          resolve();
        }
      });
    });
    const someDone = new Promise<void>((resolve) => {
      const stop = vault.get(InvalidationBus).subscribe('credential.changed', () => {
        if (committed.size >= CREDENTIALS / 5) {
          stop();
          resolve();
        }
      });
    });
    for (const n of [1, 2, 3]) {
      replicas.push(await startReplicaProcess(build!, { ...env, TEST_REPLICA_ID: `refresh-replica-${n}` }));
    }

    await within(120_000, someDone, 'a fifth of the credentials refreshed');
    await replicas[0].kill();
    // The killed process's leases expire (LEASE_MS) and the others take them over.
    await within(240_000, everyone, 'every credential refreshed after the kill');

    const after = await vault.db.query<{ id: string; version: number; status: string; lease_owner: string | null }>(
      'SELECT id, version, status, lease_owner FROM connections WHERE project_id = $1',
      [project.projectId],
    );
    const versionBefore = new Map(before.map((r) => [r.id, r.version]));
    const notOnce = after.filter((r) => r.version !== versionBefore.get(r.id)! + 1 || r.status !== 'active');
    expect(notOnce).toEqual([]);
    const extra = t.tokenCalls('refresh_token') - calls - CREDENTIALS;
    expect(extra).toBeGreaterThanOrEqual(0);
    expect(extra).toBeLessThanOrEqual(CONCURRENCY);
    expect(after.filter((r) => r.lease_owner !== null)).toEqual([]);
  }, 600_000);
});
