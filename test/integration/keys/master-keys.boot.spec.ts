import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asTenantExternalId } from '../../../apps/vault/src/common/tenant-ids';
import { loadConfig } from '../../../apps/vault/src/config/config.schema';
import { MasterKeyMismatchError, MasterKeyMissingError } from '../../../apps/vault/src/keys/keys.errors';
import { loadMasterKeyProvider, verifyMasterKeys } from '../../../apps/vault/src/keys/master-keys.boot';
import { SecretsService } from '../../../apps/vault/src/secrets/secrets.service';
import { aProject } from '@test/support/builders';
import { dumpDatabase } from '@test/support/db-dump';
import { createTestDatabase, useTestDatabase } from '@test/support/test-database';
import { createTestVault, keyProviderOf, masterKeyList } from '@test/support/test-vault';

describe(verifyMasterKeys.name, () => {
  const db = useTestDatabase();
  const keysV1 = masterKeyList(1);
  let before: Record<string, string[]>;

  beforeAll(async () => {
    // A vault with master key version 1 stores a tenant secret and a project secret, then stops.
    const vault = await createTestVault({ database: db, env: { AUTHPIPE_MASTER_KEYS: keysV1 } });
    try {
      const { projectId } = await aProject(vault, 'boot');
      const secrets = vault.get(SecretsService);
      await secrets.put(
        { projectId, tenantExternalId: asTenantExternalId('org_acme') },
        { recordType: 'c', recordId: 'c1', field: 'f' },
        'x',
      );
      await secrets.put({ projectId, tenantExternalId: null }, { recordType: 'app', recordId: 'a1', field: 'f' }, 'y');
    } finally {
      await vault.close();
    }
    before = await dumpDatabase(db);
  });

  async function mismatchOf(list: string): Promise<MasterKeyMismatchError> {
    const error = await verifyMasterKeys(db, keyProviderOf(list)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MasterKeyMismatchError);
    // Refusing must leave the data exactly as it was.
    expect(await dumpDatabase(db)).toEqual(before);
    return error as MasterKeyMismatchError;
  }

  it('accepts the keys that wrapped the stored data keys, with a newer version in front', async () => {
    const rotated = `${masterKeyList(2)},${keysV1}`;
    await expect(verifyMasterKeys(db, keyProviderOf(rotated))).resolves.toBeUndefined();
    expect(await dumpDatabase(db)).toEqual(before);
  });

  it('refuses a wrong key of the same version, naming the version and no key bytes', async () => {
    const wrong = masterKeyList(1);
    const error = await mismatchOf(wrong);
    expect(error.wrongVersions).toEqual([1]);
    expect(error.missingVersions).toEqual([]);
    expect(error.message).toContain('version(s) 1');
    expect(error.message).not.toContain(wrong.slice(2));
    expect(error.message).not.toContain(keysV1.slice(2));
  });

  it('refuses a keyring that lacks a version the data keys use', async () => {
    const error = await mismatchOf(masterKeyList(3, 2));
    expect(error.missingVersions).toEqual([1]);
    expect(error.message).toMatch(/version\(s\) 1 are used by stored data keys but not configured/);
  });

  it('passes on a database that has no data_keys table yet (first start, before migrations)', async () => {
    // A clone of the template is cheaper than a new initdb; dropping the table makes it "first start".
    const empty = await createTestDatabase();
    await empty.exec('DROP TABLE data_keys CASCADE');
    try {
      await expect(verifyMasterKeys(empty, keyProviderOf(masterKeyList(1)))).resolves.toBeUndefined();
    } finally {
      await empty.close();
    }
  });
});

describe(loadMasterKeyProvider.name, () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'authpipe-keys-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('uses AUTHPIPE_MASTER_KEYS when set and creates no file', async () => {
    const config = loadConfig({ AUTHPIPE_DATA_DIR: dir, AUTHPIPE_MASTER_KEYS: masterKeyList(2, 1) });
    const { provider, createdKeyFile } = await loadMasterKeyProvider(config);
    expect(provider.versions()).toEqual([2, 1]);
    expect(createdKeyFile).toBeNull();
    await expect(stat(config.masterKeys.file)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses to start in production without keys, naming the variable and the file, and creates nothing', async () => {
    const config = loadConfig({ AUTHPIPE_DATA_DIR: dir, NODE_ENV: 'production' });
    const error = await loadMasterKeyProvider(config).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MasterKeyMissingError);
    expect((error as Error).message).toContain('AUTHPIPE_MASTER_KEYS');
    expect((error as Error).message).toContain(config.masterKeys.file);
    await expect(stat(config.masterKeys.file)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('creates a 0600 key file once outside production and reports it, then reuses it', async () => {
    const config = loadConfig({ AUTHPIPE_DATA_DIR: dir, NODE_ENV: 'development' });
    const first = await loadMasterKeyProvider(config);
    expect(first.createdKeyFile).toBe(config.masterKeys.file);
    expect((await stat(config.masterKeys.file)).mode & 0o777).toBe(0o600);
    const contents = await readFile(config.masterKeys.file, 'utf8');
    const second = await loadMasterKeyProvider(config);
    expect(second.createdKeyFile).toBeNull();
    expect(await readFile(config.masterKeys.file, 'utf8')).toBe(contents);
    // Same key: what the first provider wrapped, the second opens.
    const aad = Buffer.from('aad');
    const wrapped = await first.provider.wrap(Buffer.alloc(32, 7), aad);
    expect(await second.provider.unwrap(wrapped, aad)).toEqual(Buffer.alloc(32, 7));
  });
});
