import { describe, expect, it } from 'vitest';
import { ConcurrentLoad } from '../../../../test/keys/concurrent-load';
import {
  createKeysHarness,
  masterKeyList,
  providerOf,
  useKeysDb,
  type KeysHarness,
} from '../../../../test/keys/keys-harness';
import { openDatabase, type Database } from '../database/database';
import { KeyJobsService } from './key-jobs.service';
import { KeyJobBusyError } from './keys.errors';
import { verifyMasterKeys } from './master-keys.boot';

const PROJECT = 'prj_rotate';
const TENANTS = Array.from({ length: 12 }, (_, i) => `org_${i}`);

describe(`${KeyJobsService.name} master key rotation`, () => {
  const keysDb = useKeysDb(PROJECT);
  const v1 = masterKeyList(1);
  const v2 = masterKeyList(2);
  const v3 = masterKeyList(3);
  const rotated = `${v2},${v1}`;

  function replica(keys: string, batch = 3): Promise<KeysHarness> {
    return keysDb.replica(providerOf(keys), { jobBatchSize: batch });
  }

  async function masterVersionsOfDataKeys(): Promise<number[]> {
    const rows = await keysDb.db.prisma.dataKey.groupBy({
      by: ['masterKeyVersion'],
      orderBy: { masterKeyVersion: 'asc' },
    });
    return rows.map((r) => r.masterKeyVersion);
  }

  describe('rotateMasterKey', () => {
    it('rewraps every data key while reads and writes go on, losing nothing', async () => {
      const before = await replica(v1);
      for (const tenantId of TENANTS) {
        await before.secrets.put(
          { projectId: PROJECT, tenantId },
          { recordType: 'seed', recordId: `s_${tenantId}`, field: 'f' },
          `seed-${tenantId}`,
        );
      }
      await before.secrets.put(
        { projectId: PROJECT, tenantId: null },
        { recordType: 'app', recordId: 'app_1', field: 'secret' },
        'app-secret',
      );
      const runner = await replica(rotated);
      const other = await replica(rotated);
      const load = new ConcurrentLoad([runner.secrets, other.secrets], PROJECT, [...TENANTS, 'org_new_a', 'org_new_b']);
      const progress: number[] = [];
      let mixedSeen = false;
      load.start(6);
      const job = await runner.jobs
        .rotateMasterKey({
          onProgress: async (p) => {
            progress.push(p.processed);
            if (progress.length === 2) {
              // Mid-job both master versions wrap live keys, and a cold replica opens both.
              const versions = await masterVersionsOfDataKeys();
              mixedSeen = versions.includes(1) && versions.includes(2);
              const cold = await replica(rotated);
              for (const tenantId of TENANTS) {
                const got = await cold.secrets.get(
                  { projectId: PROJECT, tenantId },
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
      await expect(verifyMasterKeys(keysDb.db, providerOf(v2))).resolves.toBeUndefined();
      const onlyV2 = await replica(v2);
      expect(
        (
          await onlyV2.secrets.get(
            { projectId: PROJECT, tenantId: null },
            { recordType: 'app', recordId: 'app_1', field: 'secret' },
          )
        )?.toString(),
      ).toBe('app-secret');
      for (const tenantId of TENANTS) {
        expect(
          (
            await onlyV2.secrets.get(
              { projectId: PROJECT, tenantId },
              { recordType: 'seed', recordId: `s_${tenantId}`, field: 'f' },
            )
          )?.toString(),
        ).toBe(`seed-${tenantId}`);
      }
      expect(await runner.jobs.getJob(job.id)).toMatchObject({ status: 'completed', finishedAt: expect.any(Date) });
    });

    it('resumes an interrupted job from its cursor and finishes it', async () => {
      const next = `${v3},${v2}`;
      const runner = await replica(next, 4);
      const total = await keysDb.db.prisma.dataKey.count();
      let calls = 0;
      const first = await runner.jobs
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
      const [failed] = await runner.jobs.listJobs(1);
      expect(failed).toMatchObject({ status: 'failed', processed: 8, total, error: 'internal_error: Error' });
      expect(failed.cursor).not.toBeNull();
      expect(await keysDb.db.prisma.dataKey.count({ where: { masterKeyVersion: 3 } })).toBe(8);

      const seen: number[] = [];
      const resumed = await runner.jobs.rotateMasterKey({ onProgress: (p) => void seen.push(p.processed) });
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
      const otherDb: Database = keysDb.db.url ? await openDatabase({ url: keysDb.db.url }) : keysDb.db;
      const a = await replica(keys);
      const b = await createKeysHarness(otherDb, providerOf(keys));
      try {
        let release!: () => void;
        let reached!: () => void;
        const hold = new Promise<void>((resolve) => (release = resolve));
        const firstBatch = new Promise<void>((resolve) => (reached = resolve));
        const running = a.jobs.rotateMasterKey({
          onProgress: () => {
            reached();
            return hold;
          },
        });
        // The first job holds the lock once it has saved a batch.
        await firstBatch;
        await expect(b.jobs.rotateMasterKey()).rejects.toBeInstanceOf(KeyJobBusyError);
        await expect(a.jobs.rotateMasterKey()).rejects.toBeInstanceOf(KeyJobBusyError);
        release();
        expect(await running).toMatchObject({ status: 'completed' });
        // Released: the next start finds nothing left to do and completes.
        expect(await b.jobs.rotateMasterKey()).toMatchObject({ status: 'completed', processed: 0 });
      } finally {
        await b.close();
        if (otherDb !== keysDb.db) await otherDb.close();
      }
    });
  });
});
