import { Envelope } from '@authpipe/crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { asTenantExternalId } from '../../apps/vault/src/common/tenant-ids';
import { KeyJobsService } from '../../apps/vault/src/keys/key-jobs.service';
import { verifyMasterKeys } from '../../apps/vault/src/keys/master-keys.boot';
import { SecretsService } from '../../apps/vault/src/secrets/secrets.service';
import { aProject } from '@test/support/builders';
import { keyProviderOf, masterKeyList, useReplicas, useTestVault, type TestVault } from '@test/support/test-vault';

// The audit's finding 4: a tenant's shred deletes its data keys, yet restoring a pre-shred copy of
// its rows (tenant, data keys, secrets) made every shredded secret open again with the same master
// key, while the keys README promised a restored backup never opens. What holds, precisely: a
// shred is final only once no master key version that wrapped the tenant's data keys survives.
// These tests pin both halves: the restore that reopens, and the documented remedy (rotate the
// master key after shreds, destroy the old version) that makes every older backup unreadable.
describe('crypto-shredding and backup restore', () => {
  const v1 = masterKeyList(1);
  const v2 = masterKeyList(2);
  const vault = useTestVault({ env: { AUTHPIPE_MASTER_KEYS: v1 } });
  const replicaOf = useReplicas(vault);
  let projectId: string;

  beforeAll(async () => {
    projectId = (await aProject(vault, 'shred')).projectId;
  });

  const ref = (tenantId: string) => ({ recordType: 'token', recordId: `t_${tenantId}`, field: 'refresh' });
  const put = (v: TestVault, tenantId: string) =>
    v
      .get(SecretsService)
      .put(
        { projectId, tenantExternalId: asTenantExternalId(tenantId) },
        ref(tenantId),
        `refresh-token-of-${tenantId}`,
      );
  const read = async (v: TestVault, tenantId: string) =>
    (
      await v.get(SecretsService).get({ projectId, tenantExternalId: asTenantExternalId(tenantId) }, ref(tenantId))
    )?.toString('utf8');

  /** A "backup" of one tenant: its tenant row, data keys and secrets as they are now. */
  async function backup(tenantId: string) {
    const db = vault.db.prisma;
    const tenant = await db.tenant.findUniqueOrThrow({
      where: { projectId_externalId: { projectId, externalId: tenantId } },
    });
    return {
      tenant,
      dataKeys: await db.dataKey.findMany({ where: { tenantId: tenant.id } }),
      secrets: await db.secret.findMany({ where: { tenantId: tenant.id } }),
    };
  }
  type Backup = Awaited<ReturnType<typeof backup>>;

  /** Restores a backup's rows as they were (what restoring a database dump of that time does for them). */
  async function restore({ tenant, dataKeys, secrets }: Backup): Promise<void> {
    const db = vault.db.prisma;
    await db.tenant.upsert({ where: { id: tenant.id }, create: tenant, update: {} });
    for (const key of dataKeys) await db.dataKey.upsert({ where: { id: key.id }, create: key, update: key });
    for (const secret of secrets) await db.secret.upsert({ where: { id: secret.id }, create: secret, update: secret });
  }

  it('a restored pre-shred backup opens again while the master key version of that time is configured', async () => {
    await put(vault, 'org_shredded');
    const copy = await backup('org_shredded');
    await vault.get(KeyJobsService).shredTenant(projectId, 'org_shredded');
    expect(await read(vault, 'org_shredded')).toBeUndefined();

    await restore(copy);
    // Any vault holding master key version 1 (here a fresh replica, nothing cached) reads it again.
    const fresh = await replicaOf({ env: { AUTHPIPE_MASTER_KEYS: v1 } });
    expect(await read(fresh, 'org_shredded')).toBe('refresh-token-of-org_shredded');
    await fresh.get(KeyJobsService).shredTenant(projectId, 'org_shredded');
  });

  it('after rotating the master key and destroying the old version, every older backup is unreadable, for every tenant', async () => {
    await put(vault, 'org_gone');
    await put(vault, 'org_kept');
    const goneBefore = await backup('org_gone');
    const keptBefore = await backup('org_kept');
    await vault.get(KeyJobsService).shredTenant(projectId, 'org_gone');

    // The remedy: a new master version first, rotate every data key to it, then drop version 1.
    const rotating = await replicaOf({ env: { AUTHPIPE_MASTER_KEYS: `${v2},${v1}` } });
    const job = await rotating.get(KeyJobsService).rotateMasterKey();
    expect(job.params).toMatchObject({ targetMasterVersion: 2, unusedMasterVersions: [1] });
    const onlyV2 = await replicaOf({ env: { AUTHPIPE_MASTER_KEYS: v2 } });
    expect(await read(onlyV2, 'org_kept')).toBe('refresh-token-of-org_kept');

    // The shredded tenant's backup, restored: its data keys are wrapped by version 1, which is gone.
    await restore(goneBefore);
    await expect(read(onlyV2, 'org_gone')).rejects.toThrow();
    await expect(verifyMasterKeys(vault.db, keyProviderOf(v2))).rejects.toThrow(/1/);

    // A vault holding only version 2 refuses to boot on such a database, naming the missing version.
    await expect(replicaOf({ env: { AUTHPIPE_MASTER_KEYS: v2 } })).rejects.toThrow(/1/);

    // And the warning: a backup of a tenant that was never shredded, from before the rotation, is
    // just as unreadable (its rows hold version-1 wrapped keys).
    await vault.get(KeyJobsService).shredTenant(projectId, 'org_gone');
    await vault.db.prisma.dataKey.deleteMany({ where: { tenantId: keptBefore.tenant.id } });
    await restore(keptBefore);
    onlyV2.get(Envelope).clear(); // a restored vault starts with nothing cached
    await expect(read(onlyV2, 'org_kept')).rejects.toThrow();
  });
});
