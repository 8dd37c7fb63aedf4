import { CryptoIntegrityError, Envelope } from '@authpipe/crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { asTenantExternalId } from '../../../apps/vault/src/common/tenant-ids';
import { DataKeyRepository } from '../../../apps/vault/src/keys/data-key.repository';
import { KeyJobsService } from '../../../apps/vault/src/keys/key-jobs.service';
import { TenantNotFoundError } from '../../../apps/vault/src/keys/keys.errors';
import { SecretsService } from '../../../apps/vault/src/secrets/secrets.service';
import { aProject } from '@test/support/builders';
import { ConcurrentLoad } from '@test/support/concurrent-load';
import { keyProviderOf, useReplicas, useTestVault } from '@test/support/test-vault';

const ref = (recordId: string) => ({ recordType: 'connection', recordId, field: 'refreshToken' });

describe(KeyJobsService.name, () => {
  /** Small batches, and retired data keys deletable as soon as any time has passed. */
  const tuning = { AUTHPIPE_KEY_JOB_BATCH_SIZE: '3', AUTHPIPE_RETIRED_KEY_GRACE_MS: '0' };
  const vault = useTestVault({ env: tuning });
  const replicaOf = useReplicas(vault);
  let projectId: string;
  let main: { secrets: SecretsService; jobs: KeyJobsService };
  const scope = (tenantId: string) => ({ projectId, tenantExternalId: asTenantExternalId(tenantId) });

  /** Another replica (same master keys and tuning unless `env` says otherwise). */
  async function replica(env: Record<string, string> = {}): Promise<SecretsService> {
    return (await replicaOf({ env: { ...tuning, ...env } })).get(SecretsService);
  }

  /** A job takes time: the test clock moves on at each saved batch (a grace of 0 has then passed). */
  const timePasses = () => vault.clock.advance(1);
  async function seed(tenantId: string, count: number): Promise<void> {
    for (let i = 0; i < count; i++)
      await main.secrets.put(scope(tenantId), ref(`${tenantId}_${i}`), `${tenantId}-secret-${i}`);
  }

  async function rawRows(tenantId: string) {
    return vault.db.prisma.secret.findMany({
      where: { projectId, tenant: { is: { externalId: tenantId } } },
      orderBy: { id: 'asc' },
      select: { id: true, recordId: true, ciphertext: true, dekVersion: true, tenantId: true },
    });
  }

  beforeAll(async () => {
    projectId = (await aProject(vault, 'tenant jobs')).projectId;
    main = { secrets: vault.get(SecretsService), jobs: vault.get(KeyJobsService) };
  });

  describe('rotateTenantKey', () => {
    it('re-encrypts the tenant under a new DEK, deletes the old one, and leaves other tenants alone', async () => {
      await seed('org_rot', 10);
      await seed('org_bystander', 4);
      const bystanderBefore = await rawRows('org_bystander');
      const other = await replica();
      const load = new ConcurrentLoad([main.secrets, other], projectId, ['org_rot', 'org_bystander']);
      load.start(4);
      const job = await main.jobs
        .rotateTenantKey(projectId, 'org_rot', {
          onProgress: async () => {
            timePasses();
            await load.afterOps(4);
          },
        })
        .finally(() => load.stop());

      expect(load.failures).toEqual([]);
      expect(job).toMatchObject({ status: 'completed', kind: 'tenant_key_rotation', tenantExternalId: 'org_rot' });
      expect(job.params).toMatchObject({ newVersion: 2, unreadable: 0 });
      expect(Number(job.params.reencrypted)).toBeGreaterThanOrEqual(10);
      const rows = await rawRows('org_rot');
      const seeded = rows.filter((r) => r.recordId.startsWith('org_rot_'));
      expect(seeded.every((r) => r.dekVersion >= 2)).toBe(true);
      // `other` may keep writing under version 1 from the use block it reserved before the
      // rotation; then version 1 must survive. Either way no row points at a deleted key.
      const existing = (
        await vault.db.prisma.dataKey.findMany({ where: { tenantId: rows[0].tenantId }, select: { version: true } })
      ).map((k) => k.version);
      for (const r of rows) expect(existing).toContain(r.dekVersion);
      const stillUsed = rows.some((r) => r.dekVersion === 1);
      expect(job.params.deletedVersions).toEqual(stillUsed ? [] : [1]);
      for (let i = 0; i < 10; i++) {
        expect((await other.get(scope('org_rot'), ref(`org_rot_${i}`)))?.toString()).toBe(`org_rot-secret-${i}`);
      }
      expect(await load.verifyAll()).toBeGreaterThan(0);
      expect(load.failures).toEqual([]);
      const bystanderAfter = await rawRows('org_bystander');
      expect(bystanderAfter.filter((r) => r.recordId.startsWith('org_bystander_'))).toEqual(bystanderBefore);
    });

    it('lands a write from a replica still holding the deleted DEK under the new one', async () => {
      const stale = await replica();
      await stale.put(scope('org_stale'), ref('org_stale_0'), 'before');
      // `stale` now has DEK v1 cached and a block of uses reserved on it; another replica rotates.
      const job = await main.jobs.rotateTenantKey(projectId, 'org_stale', { onProgress: timePasses });
      expect(job.params).toMatchObject({ newVersion: 2, deletedVersions: [1] });
      await stale.put(scope('org_stale'), ref('org_stale_1'), 'after');
      const rows = await rawRows('org_stale');
      expect(rows.map((r) => r.dekVersion)).toEqual([2, 2]);
      const fresh = await replica();
      expect((await fresh.get(scope('org_stale'), ref('org_stale_1')))?.toString()).toBe('after');
    });

    it('keeps a retired DEK that other replicas may still hold until its grace period has passed', async () => {
      const cautious = (await replicaOf({ env: { ...tuning, AUTHPIPE_RETIRED_KEY_GRACE_MS: '60000' } })).get(
        KeyJobsService,
      );
      await seed('org_grace', 2);
      const job = await cautious.rotateTenantKey(projectId, 'org_grace');
      expect(job.params).toMatchObject({ newVersion: 2, deletedVersions: [], retiredVersions: [1] });
      expect((await main.secrets.get(scope('org_grace'), ref('org_grace_1')))?.toString()).toBe('org_grace-secret-1');
    });

    it('refuses an unknown tenant without creating a job', async () => {
      const jobsBefore = await vault.db.prisma.keyJob.count();
      await expect(main.jobs.rotateTenantKey(projectId, 'org_nobody')).rejects.toBeInstanceOf(TenantNotFoundError);
      expect(await vault.db.prisma.keyJob.count()).toBe(jobsBefore);
    });

    it('resumes an interrupted rotation from its cursor without creating another version', async () => {
      await seed('org_resume', 9);
      let calls = 0;
      await expect(
        main.jobs.rotateTenantKey(projectId, 'org_resume', {
          onProgress: () => {
            // Call 1 saves the new version, calls 2 and 3 a batch each.
            if (++calls === 3) throw new Error('injected crash');
          },
        }),
      ).rejects.toThrow('injected crash');
      const [failed] = await main.jobs.listJobs(1);
      expect(failed).toMatchObject({ status: 'failed', processed: 6, total: 9 });
      const seen: number[] = [];
      const done = await main.jobs.rotateTenantKey(projectId, 'org_resume', {
        onProgress: (p) => {
          timePasses();
          seen.push(p.processed);
        },
      });
      expect(done).toMatchObject({ id: failed.id, status: 'completed', processed: 9 });
      expect(seen).toEqual([9]);
      expect(done.params).toMatchObject({ newVersion: 2, reencrypted: 9, deletedVersions: [1] });
      for (let i = 0; i < 9; i++) {
        expect((await main.secrets.get(scope('org_resume'), ref(`org_resume_${i}`)))?.toString()).toBe(
          `org_resume-secret-${i}`,
        );
      }
    });
  });

  describe('shredTenant', () => {
    it('destroys the DEK first, so surviving rows cannot open even with the master key; others keep working', async () => {
      await seed('org_victim', 7);
      await seed('org_neighbour', 3);
      const victimRows = await rawRows('org_victim');
      const victimTenantId = victimRows[0].tenantId!;
      const neighbourReads: string[] = [];
      let midShred: unknown = null;
      const job = await main.jobs.shredTenant(projectId, 'org_victim', {
        onProgress: async (p) => {
          // Another tenant's reads keep working during the shred.
          for (let i = 0; i < 3; i++) {
            neighbourReads.push(String(await main.secrets.get(scope('org_neighbour'), ref(`org_neighbour_${i}`))));
          }
          if (p.processed === 0) {
            // Keys are gone, rows still on disk: a fresh replica with the master key cannot open them.
            const fresh = await replica();
            midShred = await fresh.get(scope('org_victim'), ref('org_victim_6')).catch((e: unknown) => e);
          }
        },
      });

      expect(midShred).toBeInstanceOf(CryptoIntegrityError);
      expect((midShred as CryptoIntegrityError).reason).toBe('data_key_missing');
      expect(neighbourReads.length).toBeGreaterThanOrEqual(9);
      expect(new Set(neighbourReads)).toEqual(
        new Set(['org_neighbour-secret-0', 'org_neighbour-secret-1', 'org_neighbour-secret-2']),
      );
      expect(job).toMatchObject({ status: 'completed', processed: 7 });
      expect(job.params).toMatchObject({ dataKeysDeleted: 1, secretsDeleted: 7, tenantDeleted: true });
      expect(await vault.db.prisma.dataKey.count({ where: { tenantId: victimTenantId } })).toBe(0);
      expect(await vault.db.prisma.secret.count({ where: { tenantId: victimTenantId } })).toBe(0);
      expect(await vault.db.prisma.tenant.count({ where: { id: victimTenantId } })).toBe(0);
      expect(await main.secrets.get(scope('org_victim'), ref('org_victim_0'))).toBeNull();

      // A ciphertext restored from a backup has nothing left that opens it.
      const restored = new Envelope({
        keyProvider: keyProviderOf(vault.env.AUTHPIPE_MASTER_KEYS),
        store: vault.get(DataKeyRepository),
      });
      const copy = victimRows[0];
      const opened = await restored
        .decrypt({ projectId, tenantId: victimTenantId, ...ref(copy.recordId) }, copy.ciphertext)
        .catch((e: unknown) => e);
      expect(opened).toBeInstanceOf(CryptoIntegrityError);
      expect((await main.secrets.get(scope('org_neighbour'), ref('org_neighbour_2')))?.toString()).toBe(
        'org_neighbour-secret-2',
      );
    });

    it('refuses a tenant that is gone (or never was) as tenant_not_found, recording no job', async () => {
      const before = await main.jobs.listJobs(1000);
      for (const tenant of ['org_victim', 'org_nobody']) {
        await expect(main.jobs.shredTenant(projectId, tenant)).rejects.toBeInstanceOf(TenantNotFoundError);
      }
      expect(await main.jobs.listJobs(1000)).toHaveLength(before.length);
    });

    it('resumes an interrupted shred and finishes it', async () => {
      await seed('org_crash', 8);
      let calls = 0;
      await expect(
        main.jobs.shredTenant(projectId, 'org_crash', {
          onProgress: () => {
            if (++calls === 2) throw new Error('injected crash');
          },
        }),
      ).rejects.toThrow('injected crash');
      const [failed] = await main.jobs.listJobs(1);
      expect(failed).toMatchObject({ kind: 'tenant_shred', status: 'failed', processed: 3 });
      expect(await rawRows('org_crash')).toHaveLength(5);
      const done = await main.jobs.shredTenant(projectId, 'org_crash');
      expect(done).toMatchObject({ id: failed.id, status: 'completed', processed: 8 });
      expect(await vault.db.prisma.tenant.count({ where: { projectId, externalId: 'org_crash' } })).toBe(0);
      expect(await main.jobs.getJob(done.id)).toMatchObject({ status: 'completed' });
    });
  });
});
