// What one replica's changes must do to another, through the invalidation bus. Registered by the
// in-process replicas test (test/integration/bus) and the two-process e2e test (test/e2e), which
// differ only in how the second replica runs.
import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { asTenantExternalId } from '../../apps/vault/src/common/tenant-ids';
import { parseApiKey } from '../../apps/vault/src/api-keys/api-key-format';
import { ApiKeysService } from '../../apps/vault/src/api-keys/api-keys.service';
import { ConnectionsService } from '../../apps/vault/src/connections/connections.service';
import type { Database } from '../../apps/vault/src/database/database';
import { KeyJobsService } from '../../apps/vault/src/keys/key-jobs.service';
import type { SecretRef } from '../../apps/vault/src/secrets/secrets.service';
import { aConnection, anOfflineApp, aProject } from './builders';
import type { Replica } from './replicas';
import type { TestVault } from './test-vault';

/** The "within a second": how long the other replica may take to hear of a change. */
export const WITHIN_A_SECOND = 1_000;

const probe = (): SecretRef => ({
  recordType: 'bus_probe',
  recordId: `probe_${randomBytes(6).toString('hex')}`,
  field: 'value',
});

/** A stored secret as the database holds it: what another replica would read. */
async function stored(db: Database, ref: SecretRef) {
  const [row] = await db.query<{ ciphertext: Uint8Array; tenant_id: string; dek_version: number }>(
    'SELECT ciphertext, tenant_id, dek_version FROM secrets WHERE record_type = $1 AND record_id = $2 AND field = $3',
    [ref.recordType, ref.recordId, ref.field],
  );
  if (!row) throw new Error(`no stored secret ${ref.recordId}`);
  return { ciphertext: Buffer.from(row.ciphertext), tenantRowId: row.tenant_id, dekVersion: row.dek_version };
}

/**
 * Registers the replica scenarios: every change is made through `a` (a vault of this process),
 * every effect observed through `b()`, which shares nothing in memory with `a` but the database.
 */
export function replicaScenarios(a: TestVault, b: () => Replica): void {
  it('refuses, within a second, a key another replica revoked while it held it in its key cache', async () => {
    const project = await aProject(a);
    const publicId = parseApiKey(project.key)!.publicId;
    expect(await b().authenticate(project.key)).toEqual({ status: 200 });
    const revoked = b().hear('api_key.changed');
    await a.get(ApiKeysService).revoke(project.projectId, project.keyId);
    await revoked.heard((m) => m.publicId === publicId, WITHIN_A_SECOND);
    expect(await b().authenticate(project.key)).toEqual({ status: 401, code: 'revoked_api_key' });
  });

  it('accepts on its first request a key another replica has just created, and hears of it', async () => {
    const project = await aProject(a);
    const heard = b().hear('api_key.changed');
    const created = await a.get(ApiKeysService).create(project.projectId, { name: 'second' });
    expect(await b().authenticate(created.secretKey)).toEqual({ status: 200 });
    // Delivered to every replica too (a negative cache of unknown ids will drop the id on it).
    await heard.heard((m) => m.publicId === created.publicId, WITHIN_A_SECOND);
  });

  it('no longer opens, within a second, the secrets of a tenant another replica shredded (its cached DEK is gone)', async () => {
    const project = await aProject(a);
    const ref = probe();
    await b().putSecret(
      { projectId: project.projectId, tenantExternalId: asTenantExternalId('org_shredded') },
      ref,
      'shred-me',
    );
    const secret = await stored(a.db, ref);
    const ctx = { projectId: project.projectId, tenantId: secret.tenantRowId, ...ref };
    // Opened from the DEK b created and cached: without the bus it would keep opening for a TTL.
    expect(await b().decrypt(ctx, secret.ciphertext)).toEqual({ plaintext: 'shred-me' });
    const shredded = b().hear('data_key.changed');
    await a.get(KeyJobsService).shredTenant(project.projectId, 'org_shredded');
    await shredded.heard((m) => m.tenantRowId === secret.tenantRowId, WITHIN_A_SECOND);
    expect(await b().decrypt(ctx, secret.ciphertext)).toEqual({ refused: 'data_key_missing' });
  });

  it('encrypts new secrets under the data key version another replica rotated to', async () => {
    const project = await aProject(a);
    const scope = { projectId: project.projectId, tenantExternalId: asTenantExternalId('org_rotated') };
    const before = probe();
    await b().putSecret(scope, before, 'before');
    const { tenantRowId, dekVersion } = await stored(a.db, before);
    expect(dekVersion).toBe(1);
    const rotated = b().hear('data_key.changed');
    const job = await a.get(KeyJobsService).rotateTenantKey(project.projectId, 'org_rotated');
    expect(job.params.activeVersion).toBe(2);
    await rotated.heard((m) => m.tenantRowId === tenantRowId, WITHIN_A_SECOND);
    const after = probe();
    await b().putSecret(scope, after, 'after');
    expect((await stored(a.db, after)).dekVersion).toBe(2);
  });

  it('hears of a credential written or deleted through another replica when the change commits', async () => {
    const project = await aProject(a);
    const appId = await anOfflineApp(a, project.projectId);
    const base = { projectId: project.projectId, appId, tenantId: 'org_credentials', userId: 'user_bus' };
    const written = b().hear('credential.changed');
    const id = await aConnection(a, base);
    expect(await written.heard((m) => m.id === id, WITHIN_A_SECOND)).toEqual({
      type: 'credential.changed',
      projectId: project.projectId,
      kind: 'connection',
      id,
    });
    const deleted = b().hear('credential.changed');
    await a.get(ConnectionsService).delete(project.projectId, id);
    await deleted.heard((m) => m.id === id, WITHIN_A_SECOND);
  });
}
