import { CryptoIntegrityError } from '@authpipe/crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { asTenantExternalId } from '../../../apps/vault/src/common/tenant-ids';
import { SecretScopeConflictError } from '../../../apps/vault/src/keys/keys.errors';
import { SecretsService, type SecretScope } from '../../../apps/vault/src/secrets/secrets.service';
import { aProject } from '@test/support/builders';
import { useTestVault } from '@test/support/test-vault';

const CANARY = 'canary-refresh-token-7f3a9c1e';
const token = { recordType: 'connection', recordId: 'con_1', field: 'refreshToken' };

type Scope = SecretScope;

describe(SecretsService.name, () => {
  const vault = useTestVault();
  let secrets: SecretsService;
  let projectId: string;
  let otherProjectId: string;
  let acme: Scope;
  let globex: Scope;

  beforeAll(async () => {
    secrets = vault.get(SecretsService);
    projectId = (await aProject(vault, 'secrets')).projectId;
    otherProjectId = (await aProject(vault, 'other')).projectId;
    acme = { projectId, tenantExternalId: asTenantExternalId('org_acme') };
    globex = { projectId, tenantExternalId: asTenantExternalId('org_globex') };
  });
  afterEach(() => {
    vault.logs.lines.length = 0;
  });

  /** Raw ciphertext of a row, read past the service as an attacker with database access would. */
  async function rawCiphertext(recordId: string, field: string): Promise<Buffer> {
    const row = await vault.db.prisma.secret.findFirstOrThrow({ where: { recordType: 'connection', recordId, field } });
    return Buffer.from(row.ciphertext);
  }

  async function overwriteCiphertext(recordId: string, field: string, ciphertext: Buffer): Promise<void> {
    await vault.db.prisma.secret.updateMany({
      where: { recordType: 'connection', recordId, field },
      data: { ciphertext: new Uint8Array(ciphertext) },
    });
  }

  async function expectIntegrityFailure(scope: Scope, ref: typeof token): Promise<void> {
    const error = await secrets.get(scope, ref).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CryptoIntegrityError);
    expect(String((error as Error).message)).not.toContain(CANARY);
    expect(vault.logs.text()).toMatch(/failed to open/);
    expect(vault.logs.text()).not.toContain(CANARY);
  }

  describe('put/get', () => {
    it('returns what was stored, and only to the scope that stored it', async () => {
      await secrets.put(acme, token, CANARY);
      expect((await secrets.get(acme, token))?.toString()).toBe(CANARY);
      expect(await secrets.get(globex, token)).toBeNull();
      expect(
        await secrets.get({ projectId: otherProjectId, tenantExternalId: asTenantExternalId('org_acme') }, token),
      ).toBeNull();
      expect(await rawCiphertext('con_1', 'refreshToken')).not.toContain(Buffer.from(CANARY));
    });

    it('creates the tenant row on first use, once', async () => {
      await Promise.all(
        [1, 2, 3, 4].map((i) =>
          secrets.put(
            { projectId, tenantExternalId: asTenantExternalId('org_new') },
            { ...token, recordId: `con_n${i}` },
            'x',
          ),
        ),
      );
      expect(await vault.db.prisma.tenant.count({ where: { projectId, externalId: 'org_new' } })).toBe(1);
    });

    it('refuses to overwrite a record id that belongs to another tenant', async () => {
      await secrets.put(acme, { ...token, recordId: 'con_owned' }, 'mine');
      await expect(secrets.put(globex, { ...token, recordId: 'con_owned' }, 'theirs')).rejects.toBeInstanceOf(
        SecretScopeConflictError,
      );
      expect((await secrets.get(acme, { ...token, recordId: 'con_owned' }))?.toString()).toBe('mine');
    });

    it('keeps project secrets (no tenant) apart from tenant secrets', async () => {
      const project = { projectId, tenantExternalId: null };
      const ref = { recordType: 'app', recordId: 'app_1', field: 'clientSecret' };
      await secrets.put(project, ref, 'project-secret');
      expect((await secrets.get(project, ref))?.toString()).toBe('project-secret');
      expect(await secrets.get(acme, ref)).toBeNull();
    });
  });

  describe('get of a moved ciphertext', () => {
    it('fails with an integrity error when copied to another tenant', async () => {
      await secrets.put(acme, { ...token, recordId: 'con_a' }, CANARY);
      await secrets.put(globex, { ...token, recordId: 'con_g' }, 'globex-value');
      await overwriteCiphertext('con_g', 'refreshToken', await rawCiphertext('con_a', 'refreshToken'));
      await expectIntegrityFailure(globex, { ...token, recordId: 'con_g' });
    });

    it('fails with an integrity error when copied to another row of the same tenant', async () => {
      await secrets.put(acme, { ...token, recordId: 'con_r1' }, CANARY);
      await secrets.put(acme, { ...token, recordId: 'con_r2' }, 'other-row');
      await overwriteCiphertext('con_r2', 'refreshToken', await rawCiphertext('con_r1', 'refreshToken'));
      await expectIntegrityFailure(acme, { ...token, recordId: 'con_r2' });
    });

    it('fails with an integrity error when copied to another field of the same row', async () => {
      await secrets.put(acme, { ...token, recordId: 'con_f' }, CANARY);
      await secrets.put(acme, { ...token, recordId: 'con_f', field: 'accessToken' }, 'access');
      await overwriteCiphertext('con_f', 'accessToken', await rawCiphertext('con_f', 'refreshToken'));
      await expectIntegrityFailure(acme, { ...token, recordId: 'con_f', field: 'accessToken' });
    });
  });

  describe('delete', () => {
    it('deletes one field, then a whole record, within the scope only', async () => {
      const rec = { ...token, recordId: 'con_del' };
      await secrets.put(acme, rec, 'a');
      await secrets.put(acme, { ...rec, field: 'accessToken' }, 'b');
      expect(await secrets.delete(globex, rec)).toBe(false);
      expect(await secrets.delete(acme, rec)).toBe(true);
      expect(await secrets.get(acme, rec)).toBeNull();
      expect(await secrets.deleteRecord(globex, 'connection', 'con_del')).toBe(0);
      expect(await secrets.deleteRecord(acme, 'connection', 'con_del')).toBe(1);
      expect(await secrets.get(acme, { ...rec, field: 'accessToken' })).toBeNull();
    });
  });
});
