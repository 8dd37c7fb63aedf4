import { beforeAll, describe, expect, it } from 'vitest';
import { asTenantExternalId } from '../../../apps/vault/src/common/tenant-ids';
import { KeyJobsService } from '../../../apps/vault/src/keys/key-jobs.service';
import { KeyJobBusyError } from '../../../apps/vault/src/keys/keys.errors';
import { verifyMasterKeys } from '../../../apps/vault/src/keys/master-keys.boot';
import { SecretsService } from '../../../apps/vault/src/secrets/secrets.service';
import { aProject } from '@test/support/builders';
import { ConcurrentLoad } from '@test/support/concurrent-load';
import { anotherConnection } from '@test/support/test-database';
import {
  createTestVault,
  keyProviderOf,
  masterKeyList,
  useReplicas,
  useTestVault,
  type TestVault,
} from '@test/support/test-vault';

const TENANTS = Array.from({ length: 12 }, (_, i) => `org_${i}`);

describe(`${KeyJobsService.name} master key rotation`, () => {
  const v1 = masterKeyList(1);
  const v2 = masterKeyList(2);
  const v3 = masterKeyList(3);
  const rotated = `${v2},${v1}`;
  /** The vault before the rotation, with master key version 1 only. */
  const vault = useTestVault({ env: { AUTHPIPE_MASTER_KEYS: v1 } });
  const replicaOf = useReplicas(vault);
  let projectId: string;

  beforeAll(async () => {
    projectId = (await aProject(vault, 'rotate')).projectId;
  });

  /** A replica with the master keys `keys` and key-job batches of `batch` rows. */
  function replica(keys: string, batch = 3): Promise<TestVault> {
    return replicaOf({ env: { AUTHPIPE_MASTER_KEYS: keys, AUTHPIPE_KEY_JOB_BATCH_SIZE: String(batch) } });
  }

  async function masterVersionsOfDataKeys(): Promise<number[]> {
    const rows = await vault.db.prisma.dataKey.groupBy({
      by: ['masterKeyVersion'],
      orderBy: { masterKeyVersion: 'asc' },
    });
    return rows.map((r) => r.masterKeyVersion);
  }

  describe('rotateMasterKey', () => {
    it('rewraps every data key while reads and writes go on, losing nothing', async () => {
      const before = vault.get(SecretsService);
      for (const tenantId of TENANTS) {
        await before.put(
          { projectId, tenantExternalId: asTenantExternalId(tenantId) },
          { recordType: 'seed', recordId: `s_${tenantId}`, field: 'f' },
          `seed-${tenantId}`,
        );
      }
      await before.put(
        { projectId, tenantExternalId: null },
        { recordType: 'app', recordId: 'app_1', field: 'secret' },
        'app-secret',
      );
      const runner = await replica(rotated);
      const other = await replica(rotated);
      const load = new ConcurrentLoad([runner.get(SecretsService), other.get(SecretsService)], projectId, [
        ...TENANTS,
        'org_new_a',
        'org_new_b',
      ]);
      const progress: number[] = [];
      let mixedSeen = false;
      load.start(6);
      const job = await runner
        .get(KeyJobsService)
        .rotateMasterKey({
          onProgress: async (p) => {
            progress.push(p.processed);
            if (progress.length === 2) {
              // Mid-job both master versions wrap live keys, and a cold replica opens both.
              const versions = await masterVersionsOfDataKeys();
              mixedSeen = versions.includes(1) && versions.includes(2);
              const cold = await replica(rotated);
              for (const tenantId of TENANTS) {
                const got = await cold
                  .get(SecretsService)
                  .get(
                    { projectId, tenantExternalId: asTenantExternalId(tenantId) },
                    { recordType: 'seed', recordId: `s_${tenantId}`, field: 'f' },
                  );
                if (got?.toString() !== `seed-${tenantId}`) load.failures.push(`cold read of ${tenantId} mid-job`);
              }
            }
            await load.afterOps(5);
          },
        })
        .finally(() => load.stop());

      expect(load.failures).toEqual([]);
      expect(mixedSeen).toBe(true);
      expect(progress.length).toBeGreaterThanOrEqual(4);
      expect(load.ops).toBeGreaterThanOrEqual(progress.length * 5);
      expect(job).toMatchObject({ status: 'completed', kind: 'master_key_rotation', processed: TENANTS.length + 1 });
      expect(job.params).toMatchObject({
        targetMasterVersion: 2,
        unusedMasterVersions: [1],
        stillUsedMasterVersions: [],
      });
      expect(await masterVersionsOfDataKeys()).toEqual([2]);
      expect(await load.verifyAll()).toBeGreaterThan(0);
      expect(load.failures).toEqual([]);

      // Version 1 can now leave the configuration: a replica with only version 2 boots and reads everything.
      await expect(verifyMasterKeys(vault.db, keyProviderOf(v2))).resolves.toBeUndefined();
      const onlyV2 = await replica(v2);
      expect(
        (
          await onlyV2
            .get(SecretsService)
            .get({ projectId, tenantExternalId: null }, { recordType: 'app', recordId: 'app_1', field: 'secret' })
        )?.toString(),
      ).toBe('app-secret');
      for (const tenantId of TENANTS) {
        expect(
          (
            await onlyV2
              .get(SecretsService)
              .get(
                { projectId, tenantExternalId: asTenantExternalId(tenantId) },
                { recordType: 'seed', recordId: `s_${tenantId}`, field: 'f' },
              )
          )?.toString(),
        ).toBe(`seed-${tenantId}`);
      }
      expect(await runner.get(KeyJobsService).getJob(job.id)).toMatchObject({
        status: 'completed',
        finishedAt: expect.any(Date),
      });
    });

    it('resumes an interrupted job from its cursor and finishes it', async () => {
      const next = `${v3},${v2}`;
      // Later than the first rotation: the jobs list (newest first) shows this run's job on top.
      vault.clock.advance(60_000);
      const runner = await replica(next, 4);
      const total = await vault.db.prisma.dataKey.count();
      let calls = 0;
      const first = await runner
        .get(KeyJobsService)
        .rotateMasterKey({
          onProgress: () => {
            if (++calls === 2) throw new Error('injected crash after the second batch');
          },
        })
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(first).toBeInstanceOf(Error);
      const [failed] = await runner.get(KeyJobsService).listJobs(1);
      expect(failed).toMatchObject({ status: 'failed', processed: 8, total, error: 'internal_error: Error' });
      expect(failed.cursor).not.toBeNull();
      expect(await vault.db.prisma.dataKey.count({ where: { masterKeyVersion: 3 } })).toBe(8);

      const seen: number[] = [];
      const resumed = await runner
        .get(KeyJobsService)
        .rotateMasterKey({ onProgress: (p) => void seen.push(p.processed) });
      expect(resumed.id).toBe(failed.id);
      expect(seen[0]).toBe(12);
      expect(resumed).toMatchObject({ status: 'completed', processed: total, total, error: null });
      expect(resumed.params).toMatchObject({ rewrapped: total, unusedMasterVersions: [2] });
      expect(await masterVersionsOfDataKeys()).toEqual([3]);
    });

    it('refuses to run the same job twice at once, also from another replica', async () => {
      const v4 = masterKeyList(4);
      const keys = `${v4},${v3}`;
      // On PostgreSQL the second replica has a database connection pool of its own, as a real one would.
      const other = await anotherConnection(vault.db);
      const a = (await replica(keys)).get(KeyJobsService);
      const bVault = await createTestVault({
        database: other.db,
        clock: vault.clock,
        env: { AUTHPIPE_MASTER_KEYS: keys },
      });
      const b = bVault.get(KeyJobsService);
      try {
        let release!: () => void;
        let reached!: () => void;
        const hold = new Promise<void>((resolve) => (release = resolve));
        const firstBatch = new Promise<void>((resolve) => (reached = resolve));
        const running = a.rotateMasterKey({
          onProgress: () => {
            reached();
            return hold;
          },
        });
        // The first job holds the lock once it has saved a batch.
        await firstBatch;
        await expect(b.rotateMasterKey()).rejects.toBeInstanceOf(KeyJobBusyError);
        await expect(a.rotateMasterKey()).rejects.toBeInstanceOf(KeyJobBusyError);
        release();
        expect(await running).toMatchObject({ status: 'completed' });
        // Released: the next start finds nothing left to do and completes.
        expect(await b.rotateMasterKey()).toMatchObject({ status: 'completed', processed: 0 });
      } finally {
        await bVault.close();
        await other.close();
      }
    });
  });
});
