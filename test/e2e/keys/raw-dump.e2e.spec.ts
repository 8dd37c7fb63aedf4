import { beforeAll, describe, expect, it } from 'vitest';
import { asTenantExternalId } from '../../../apps/vault/src/common/tenant-ids';
import { KeyJobsService } from '../../../apps/vault/src/keys/key-jobs.service';
import { SecretsService } from '../../../apps/vault/src/secrets/secrets.service';
import { aProject } from '@test/support/builders';
import { dumpDatabase } from '@test/support/db-dump';
import { masterKeyList, useTestVault } from '@test/support/test-vault';

const CANARIES = ['CANARY-access-token-5b1f0e', 'CANARY-refresh-token-93ad42', 'CANARY-client-secret-c07e11'];

/** Every way a canary could appear in a dump: text, bytea hex, base64 of the bytes. */
function encodings(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  return [value, bytes.toString('hex'), bytes.toString('base64').replace(/=+$/, '')];
}

describe(`${SecretsService.name} at rest`, () => {
  const v1 = masterKeyList(1);
  const v2 = masterKeyList(2);
  const vault = useTestVault({
    env: {
      AUTHPIPE_MASTER_KEYS: `${v2},${v1}`,
      AUTHPIPE_KEY_JOB_BATCH_SIZE: '2',
      AUTHPIPE_RETIRED_KEY_GRACE_MS: '0',
    },
  });
  let projectId: string;

  beforeAll(async () => {
    projectId = (await aProject(vault, 'dump')).projectId;
  });

  it('leaves no plaintext canary and no key material in a raw dump of every table, nor in the logs', async () => {
    const secrets = vault.get(SecretsService);
    const jobs = vault.get(KeyJobsService);
    const [access, refresh, clientSecret] = CANARIES as [string, string, string];
    // Every write path: insert, overwrite, project secret, several tenants.
    for (const tenantId of ['org_a', 'org_b', 'org_c']) {
      await secrets.put(
        { projectId, tenantExternalId: asTenantExternalId(tenantId) },
        { recordType: 'connection', recordId: `con_${tenantId}`, field: 'accessToken' },
        'old',
      );
      await secrets.put(
        { projectId, tenantExternalId: asTenantExternalId(tenantId) },
        { recordType: 'connection', recordId: `con_${tenantId}`, field: 'accessToken' },
        access,
      );
      await secrets.put(
        { projectId, tenantExternalId: asTenantExternalId(tenantId) },
        { recordType: 'connection', recordId: `con_${tenantId}`, field: 'refreshToken' },
        Buffer.from(refresh),
      );
    }
    await secrets.put(
      { projectId, tenantExternalId: null },
      { recordType: 'app', recordId: 'app_1', field: 'clientSecret' },
      clientSecret,
    );
    // Every job path: tenant rotation (re-encryption), master rotation (rewrap), shred.
    await jobs.rotateTenantKey(projectId, 'org_a');
    await jobs.rotateMasterKey();
    await jobs.shredTenant(projectId, 'org_c');
    // And a failed read (a moved ciphertext), which logs a warning.
    const moved = await vault.db.prisma.secret.findFirstOrThrow({
      where: { recordId: 'con_org_a', field: 'refreshToken' },
    });
    await vault.db.prisma.secret.updateMany({
      where: { recordId: 'con_org_b', field: 'refreshToken' },
      data: { ciphertext: moved.ciphertext },
    });
    await expect(
      secrets.get(
        { projectId, tenantExternalId: asTenantExternalId('org_b') },
        { recordType: 'connection', recordId: 'con_org_b', field: 'refreshToken' },
      ),
    ).rejects.toMatchObject({ code: 'crypto_integrity' });

    const dump = await dumpDatabase(vault.db);
    const text = JSON.stringify(dump);
    // The dump really holds the encrypted rows (so the scan below is meaningful).
    expect(dump.secrets).toHaveLength(5);
    expect(dump.data_keys.length).toBeGreaterThanOrEqual(3);
    expect(text).toContain('\\\\x01');
    const logs = vault.logs.text();
    expect(logs).toMatch(/failed to open/);
    const forbidden = [...CANARIES.flatMap(encodings), ...[v1, v2].map((list) => list.slice(2))];
    for (const needle of forbidden) {
      expect(text).not.toContain(needle);
      expect(logs).not.toContain(needle);
    }
    // Sanity: the canaries are still there for their owners (the scan did not pass by losing them).
    expect(
      (
        await secrets.get(
          { projectId, tenantExternalId: asTenantExternalId('org_a') },
          { recordType: 'connection', recordId: 'con_org_a', field: 'accessToken' },
        )
      )?.toString(),
    ).toBe(access);
  });
});
