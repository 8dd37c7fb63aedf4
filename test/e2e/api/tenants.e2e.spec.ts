import { beforeAll, describe, expect, it } from 'vitest';
import { KeyJobsService } from '../../../apps/vault/src/keys/key-jobs.service';
import { aProject, aTenantWithSecrets, bearer, type TestProject } from '@test/support/builders';
import { useTestVault } from '@test/support/test-vault';

describe('tenants API', () => {
  const vault = useTestVault();
  let a: TestProject;
  let b: TestProject;

  beforeAll(async () => {
    a = await aProject(vault, 'Project A');
    b = await aProject(vault, 'Project B');
    await aTenantWithSecrets(vault, a.projectId, 'org_acme', 3);
    await aTenantWithSecrets(vault, a.projectId, 'org_beta', 1);
    await aTenantWithSecrets(vault, a.projectId, 'org_gamma', 2);
    await aTenantWithSecrets(vault, b.projectId, 'org_only_b', 1);
  });

  describe('GET /v1/tenants', () => {
    it("lists only the caller's tenants with key versions and secret counts, never key material", async () => {
      const res = await vault.api().get('/v1/tenants').set(bearer(a.key)).expect(200);
      expect(res.body.data.map((t: { tenantId: string }) => t.tenantId)).toEqual(['org_acme', 'org_beta', 'org_gamma']);
      expect(res.body.data[0]).toEqual({
        tenantId: 'org_acme',
        createdAt: expect.any(String),
        dataKeys: { activeVersion: 1, retiredVersions: [] },
        secretCount: 3,
      });
      expect(res.body.nextCursor).toBeNull();
      expect(JSON.stringify(res.body)).not.toMatch(/wrapped|tenant-secret/i);
    });

    it('pages with an opaque cursor until the last page', async () => {
      const first = await vault.api().get('/v1/tenants?limit=2').set(bearer(a.key)).expect(200);
      expect(first.body.data.map((t: { tenantId: string }) => t.tenantId)).toEqual(['org_acme', 'org_beta']);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const second = await vault
        .api()
        .get('/v1/tenants')
        .query({ limit: 2, cursor: first.body.nextCursor })
        .set(bearer(a.key))
        .expect(200);
      expect(second.body.data.map((t: { tenantId: string }) => t.tenantId)).toEqual(['org_gamma']);
      expect(second.body.nextCursor).toBeNull();
    });

    it('answers 400 invalid_request for a bad limit or a forged cursor', async () => {
      const limit = await vault.api().get('/v1/tenants?limit=1000').set(bearer(a.key)).expect(400);
      expect(limit.body.error.code).toBe('invalid_request');
      expect(limit.body.error.details[0].path).toBe('limit');
      const cursor = await vault.api().get('/v1/tenants?cursor=zzz').set(bearer(a.key)).expect(400);
      expect(cursor.body.error.code).toBe('invalid_request');
    });

    it('shows the new active version and the retired one after a tenant key rotation', async () => {
      await vault.get(KeyJobsService).rotateTenantKey(a.projectId, 'org_gamma');
      const res = await vault.api().get('/v1/tenants/org_gamma').set(bearer(a.key)).expect(200);
      // The old version stays until its grace period has passed (other replicas may still cache it).
      expect(res.body.dataKeys).toEqual({ activeVersion: 2, retiredVersions: [1] });
      expect(res.body.secretCount).toBe(2);
    });
  });

  describe('GET /v1/tenants/:tenantId', () => {
    it("returns the caller's tenant by its external id", async () => {
      const res = await vault.api().get('/v1/tenants/org_beta').set(bearer(a.key)).expect(200);
      expect(res.body).toMatchObject({ tenantId: 'org_beta', secretCount: 1, dataKeys: { activeVersion: 1 } });
    });

    it("answers another project's tenant exactly like a missing one", async () => {
      const other = await vault.api().get('/v1/tenants/org_acme').set(bearer(b.key)).expect(404);
      const missing = await vault.api().get('/v1/tenants/org_nobody').set(bearer(b.key)).expect(404);
      expect(other.body).toEqual(missing.body);
      expect(other.body.error.code).toBe('tenant_not_found');
      expect(other.text).not.toContain('org_acme');
      const list = await vault.api().get('/v1/tenants').set(bearer(b.key)).expect(200);
      expect(list.body.data.map((t: { tenantId: string }) => t.tenantId)).toEqual(['org_only_b']);
    });
  });
});
