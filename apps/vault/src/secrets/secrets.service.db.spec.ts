import { Logger, type LoggerService } from '@nestjs/common';
import { CryptoIntegrityError } from '@authpipe/crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createKeysHarness,
  createProject,
  masterKeyList,
  providerOf,
  type KeysHarness,
} from '../../../../test/keys/keys-harness';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/test-database';
import { SecretScopeConflictError } from '../keys/keys.errors';
import { SecretsService } from './secrets.service';

const CANARY = 'canary-refresh-token-7f3a9c1e';
const acme = { projectId: 'prj_secrets', tenantId: 'org_acme' };
const globex = { projectId: 'prj_secrets', tenantId: 'org_globex' };
const token = { recordType: 'connection', recordId: 'con_1', field: 'refreshToken' };

class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(message: unknown): void {
    this.lines.push(String(message));
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.lines.push([message, ...rest].map(String).join(' '));
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.lines.push([message, ...rest].map(String).join(' '));
  }
}

describe(SecretsService.name, () => {
  let db: TestDatabase;
  let keys: KeysHarness;
  const logger = new CapturingLogger();

  beforeAll(async () => {
    db = await createTestDatabase();
    await createProject(db, 'prj_secrets');
    await createProject(db, 'prj_other');
    keys = await createKeysHarness(db, providerOf(masterKeyList(1)));
    Logger.overrideLogger(logger);
  });
  afterAll(async () => {
    Logger.overrideLogger(false);
    await keys.close();
    await db.close();
  });
  afterEach(() => {
    logger.lines.length = 0;
  });

  /** Raw ciphertext of a row, read past the service as an attacker with database access would. */
  async function rawCiphertext(recordId: string, field: string): Promise<Buffer> {
    const row = await db.prisma.secret.findFirstOrThrow({ where: { recordType: 'connection', recordId, field } });
    return Buffer.from(row.ciphertext);
  }

  async function overwriteCiphertext(recordId: string, field: string, ciphertext: Buffer): Promise<void> {
    await db.prisma.secret.updateMany({
      where: { recordType: 'connection', recordId, field },
      data: { ciphertext: new Uint8Array(ciphertext) },
    });
  }

  async function expectIntegrityFailure(scope: typeof acme, ref: typeof token): Promise<void> {
    const error = await keys.secrets.get(scope, ref).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CryptoIntegrityError);
    expect(String((error as Error).message)).not.toContain(CANARY);
    expect(logger.lines.join('\n')).toMatch(/failed to open/);
    expect(logger.lines.join('\n')).not.toContain(CANARY);
  }

  describe('put/get', () => {
    it('returns what was stored, and only to the scope that stored it', async () => {
      await keys.secrets.put(acme, token, CANARY);
      expect((await keys.secrets.get(acme, token))?.toString()).toBe(CANARY);
      expect(await keys.secrets.get(globex, token)).toBeNull();
      expect(await keys.secrets.get({ projectId: 'prj_other', tenantId: 'org_acme' }, token)).toBeNull();
      expect(await rawCiphertext('con_1', 'refreshToken')).not.toContain(Buffer.from(CANARY));
    });

    it('creates the tenant row on first use, once', async () => {
      await Promise.all(
        [1, 2, 3, 4].map((i) =>
          keys.secrets.put({ projectId: 'prj_secrets', tenantId: 'org_new' }, { ...token, recordId: `con_n${i}` }, 'x'),
        ),
      );
      expect(await db.prisma.tenant.count({ where: { projectId: 'prj_secrets', externalId: 'org_new' } })).toBe(1);
    });

    it('refuses to overwrite a record id that belongs to another tenant', async () => {
      await keys.secrets.put(acme, { ...token, recordId: 'con_owned' }, 'mine');
      await expect(keys.secrets.put(globex, { ...token, recordId: 'con_owned' }, 'theirs')).rejects.toBeInstanceOf(
        SecretScopeConflictError,
      );
      expect((await keys.secrets.get(acme, { ...token, recordId: 'con_owned' }))?.toString()).toBe('mine');
    });

    it('keeps project secrets (no tenant) apart from tenant secrets', async () => {
      const project = { projectId: 'prj_secrets', tenantId: null };
      const ref = { recordType: 'app', recordId: 'app_1', field: 'clientSecret' };
      await keys.secrets.put(project, ref, 'project-secret');
      expect((await keys.secrets.get(project, ref))?.toString()).toBe('project-secret');
      expect(await keys.secrets.get(acme, ref)).toBeNull();
    });
  });

  describe('get of a moved ciphertext', () => {
    it('fails with an integrity error when copied to another tenant', async () => {
      await keys.secrets.put(acme, { ...token, recordId: 'con_a' }, CANARY);
      await keys.secrets.put(globex, { ...token, recordId: 'con_g' }, 'globex-value');
      await overwriteCiphertext('con_g', 'refreshToken', await rawCiphertext('con_a', 'refreshToken'));
      await expectIntegrityFailure(globex, { ...token, recordId: 'con_g' });
    });

    it('fails with an integrity error when copied to another row of the same tenant', async () => {
      await keys.secrets.put(acme, { ...token, recordId: 'con_r1' }, CANARY);
      await keys.secrets.put(acme, { ...token, recordId: 'con_r2' }, 'other-row');
      await overwriteCiphertext('con_r2', 'refreshToken', await rawCiphertext('con_r1', 'refreshToken'));
      await expectIntegrityFailure(acme, { ...token, recordId: 'con_r2' });
    });

    it('fails with an integrity error when copied to another field of the same row', async () => {
      await keys.secrets.put(acme, { ...token, recordId: 'con_f' }, CANARY);
      await keys.secrets.put(acme, { ...token, recordId: 'con_f', field: 'accessToken' }, 'access');
      await overwriteCiphertext('con_f', 'accessToken', await rawCiphertext('con_f', 'refreshToken'));
      await expectIntegrityFailure(acme, { ...token, recordId: 'con_f', field: 'accessToken' });
    });
  });

  describe('delete', () => {
    it('deletes one field, then a whole record, within the scope only', async () => {
      const rec = { ...token, recordId: 'con_del' };
      await keys.secrets.put(acme, rec, 'a');
      await keys.secrets.put(acme, { ...rec, field: 'accessToken' }, 'b');
      expect(await keys.secrets.delete(globex, rec)).toBe(false);
      expect(await keys.secrets.delete(acme, rec)).toBe(true);
      expect(await keys.secrets.get(acme, rec)).toBeNull();
      expect(await keys.secrets.deleteRecord(globex, 'connection', 'con_del')).toBe(0);
      expect(await keys.secrets.deleteRecord(acme, 'connection', 'con_del')).toBe(1);
      expect(await keys.secrets.get(acme, { ...rec, field: 'accessToken' })).toBeNull();
    });
  });
});
