import { beforeAll, describe, expect, it } from 'vitest';
import { asTenantExternalId } from '../../../apps/vault/src/common/tenant-ids';
import { DataKeyRepository } from '../../../apps/vault/src/keys/data-key.repository';
import { TenantResolver } from '../../../apps/vault/src/keys/tenant-resolver';
import { SecretsService } from '../../../apps/vault/src/secrets/secrets.service';
import { aProject } from '@test/support/builders';
import { useReplicas, useTestVault } from '@test/support/test-vault';

describe(DataKeyRepository.name, () => {
  const vault = useTestVault();
  const replica = useReplicas(vault);
  let projectId: string;
  let repo: DataKeyRepository;
  let tenants: TenantResolver;
  /** Two replicas: separate Envelopes (caches, use blocks) over the same database. */
  let replicas: SecretsService[];
  let lowThreshold: SecretsService[];

  beforeAll(async () => {
    projectId = (await aProject(vault, 'data keys')).projectId;
    replicas = [vault.get(SecretsService), (await replica()).get(SecretsService)];
    lowThreshold = await Promise.all(
      [1, 2].map(async () => (await replica({ env: { AUTHPIPE_DEK_ROTATE_AFTER: '1000' } })).get(SecretsService)),
    );
    repo = vault.get(DataKeyRepository);
    tenants = vault.get(TenantResolver);
  });

  async function ownerFor(externalId: string) {
    return { projectId, tenantId: (await tenants.resolve(projectId, asTenantExternalId(externalId))).tenantRowId };
  }

  describe('createNext', () => {
    it('lets exactly one of many racing writers create a version and retires the previous one', async () => {
      const owner = await ownerFor('org_race');
      const wrapped = Buffer.alloc(60, 1);
      expect(await repo.createNext(owner, 1, 1, wrapped)).toMatchObject({ version: 1, status: 'active' });
      const results = await Promise.all(Array.from({ length: 8 }, () => repo.createNext(owner, 2, 1, wrapped)));
      expect(results.filter((r) => r !== null)).toHaveLength(1);
      const versions = await repo.listVersions(owner);
      expect(versions.map((v) => [v.version, v.status])).toEqual([
        [1, 'retired'],
        [2, 'active'],
      ]);
      expect(await repo.createNext(owner, 2, 1, wrapped)).toBeNull();
    });

    it('creates one DEK version when two replicas encrypt for a new tenant at once', async () => {
      const scope = { projectId, tenantExternalId: asTenantExternalId('org_first_use') };
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          replicas[i % 2].put(scope, { recordType: 'c', recordId: `fu_${i}`, field: 'f' }, `v${i}`),
        ),
      );
      expect((await repo.listVersions(await ownerFor('org_first_use'))).map((v) => v.version)).toEqual([1]);
      for (let i = 0; i < 20; i++) {
        expect(
          (await replicas[(i + 1) % 2].get(scope, { recordType: 'c', recordId: `fu_${i}`, field: 'f' }))?.toString(),
        ).toBe(`v${i}`);
      }
    });
  });

  describe('reserveUses', () => {
    it('never hands two callers the same range', async () => {
      const owner = await ownerFor('org_uses');
      await repo.createNext(owner, 1, 1, Buffer.alloc(60, 2));
      const totals = await Promise.all(Array.from({ length: 25 }, () => repo.reserveUses(owner, 1, 10)));
      expect(new Set(totals.map(String)).size).toBe(25);
      expect(totals.reduce((max, t) => (t > max ? t : max), 0n)).toBe(250n);
      expect((await repo.find(owner, 1))?.useCount).toBe(250n);
    });
  });

  describe('through the Envelope', () => {
    it('rotates the DEK by itself after 1,000 uses and still opens the old ciphertexts', async () => {
      const scope = { projectId, tenantExternalId: asTenantExternalId('org_busy') };
      const ref = (i: number) => ({ recordType: 'c', recordId: `busy_${i}`, field: 'f' });
      const writes = 2_500;
      for (let i = 0; i < writes; i += 50) {
        await Promise.all(
          Array.from({ length: 50 }, (_, j) => lowThreshold[0].put(scope, ref(i + j), `value-${i + j}`)),
        );
      }
      const versions = await repo.listVersions(await ownerFor('org_busy'));
      expect(versions.length).toBeGreaterThanOrEqual(3);
      expect(versions.filter((v) => v.status === 'active').map((v) => v.version)).toEqual([versions.length]);
      // Each retired version was retired because its budget was reserved, not earlier.
      for (const v of versions.slice(0, -1)) expect(v.useCount).toBeGreaterThanOrEqual(1000n);
      const rows = await vault.db.prisma.secret.groupBy({
        by: ['dekVersion'],
        where: { recordId: { startsWith: 'busy_' } },
        _count: true,
      });
      expect(rows.length).toBeGreaterThanOrEqual(3);
      // The other replica has nothing cached: every version is loaded from the store and opens.
      for (let i = 0; i < writes; i += 97) {
        expect((await lowThreshold[1].get(scope, ref(i)))?.toString()).toBe(`value-${i}`);
      }
    });
  });
});
