import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createVaultApp } from '../../../apps/vault/src/bootstrap';
import { ConfigValidationError } from '../../../apps/vault/src/config/config.schema';
import { MasterKeyMismatchError, MasterKeyMissingError } from '../../../apps/vault/src/keys/keys.errors';
import { aProject, aTenantWithSecrets } from '@test/support/builders';
import { createTestDatabase } from '@test/support/test-database';
import { CapturedLogs, createTestVault, masterKeyList } from '@test/support/test-vault';

const tempDirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'authpipe-boot-'));
  tempDirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(tempDirs.splice(0).map((d) => fs.rm(d, { recursive: true, force: true })));
});

describe(createVaultApp.name, () => {
  it('refuses a bad configuration with one error naming every bad variable, never its value', async () => {
    const dataDir = await tempDir();
    const error = await createVaultApp({
      env: { PORT: 'eighty', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://root:hunter2@db/x', AUTHPIPE_DATA_DIR: dataDir },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigValidationError);
    const problems = (error as ConfigValidationError).problems.join('\n');
    for (const name of ['PORT', 'LOG_LEVEL', 'DATABASE_URL']) expect(problems).toContain(name);
    expect((error as Error).message).not.toMatch(/hunter2|eighty|loud/);
    expect(await fs.readdir(dataDir)).toEqual([]);
  });

  it('refuses to start in production without master keys, naming what is missing, and creates nothing', async () => {
    const dataDir = await tempDir();
    const error = await createVaultApp({ env: { NODE_ENV: 'production', AUTHPIPE_DATA_DIR: dataDir } }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MasterKeyMissingError);
    expect((error as Error).message).toContain('AUTHPIPE_MASTER_KEYS');
    expect((error as Error).message).toContain(path.join(dataDir, 'master.key'));
    expect(await fs.readdir(dataDir)).toEqual([]);
  });

  it('refuses the wrong master key for existing data and leaves every row as it was', async () => {
    const db = await createTestDatabase();
    const dataDir = await tempDir();
    const env = { NODE_ENV: 'test', LOG_LEVEL: 'silent', AUTHPIPE_DATA_DIR: dataDir };
    try {
      const first = await createTestVault({ database: db, env: { ...env, AUTHPIPE_MASTER_KEYS: masterKeyList(1) } });
      const { projectId } = await aProject(first, 'Boot');
      await aTenantWithSecrets(first, projectId, 'org_boot', 2);
      await first.close();
      const snapshot = () =>
        db.query<{ rows: string }>(
          `SELECT json_agg(t)::text AS rows FROM (
             SELECT 'k' AS kind, id, master_key_version::text AS v, encode(wrapped_key, 'hex') AS b FROM data_keys
             UNION ALL SELECT 's', id, dek_version::text, encode(ciphertext, 'hex') FROM secrets
             UNION ALL SELECT 'm', id, migration_name, checksum FROM "_prisma_migrations") t`,
        );
      const before = await snapshot();

      const logs = new CapturedLogs();
      const error = await createVaultApp({
        env: { ...env, AUTHPIPE_MASTER_KEYS: `1:${randomBytes(32).toString('base64')}` },
        database: db,
        logDestination: logs.stream,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MasterKeyMismatchError);
      expect((error as Error).message).toMatch(/version\(s\) 1/);
      expect(await snapshot()).toEqual(before);
      expect(logs.lines).toEqual([]);

      // Outside production a missing key file is generated; against existing data that key is
      // wrong, and the boot takes it back instead of leaving a bogus key file behind.
      const generated = await createVaultApp({ env, database: db }).catch((e: unknown) => e);
      expect(generated).toBeInstanceOf(MasterKeyMismatchError);
      expect(await fs.readdir(dataDir)).toEqual([]);
      expect(await snapshot()).toEqual(before);
    } finally {
      await db.close();
    }
  });
});
