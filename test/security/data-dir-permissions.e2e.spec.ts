import { watch } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeBootError } from '../../apps/vault/src/boot-errors';
import { openVault } from '../../apps/vault/src/bootstrap';
import { DataDirPermissionsError } from '../../apps/vault/src/config/data-dir';
import { EmbeddedDatabaseBusyError, embeddedLockPath } from '../../apps/vault/src/admin/embedded-database';
import { createTestDatabase } from '@test/support/test-database';

// The audit's finding 5: with a new data dir, PGlite's files were 0666 in 0755 directories, so any
// local user (`nobody`) read project names, key hashes, ciphertexts and wrapped keys from the WAL.
// And item 8's last point: a boot that lost the embedded database's lock could delete a master
// key file that the process holding the lock had adopted.
describe('the data directory belongs to the vault alone', () => {
  const temp: string[] = [];
  afterEach(async () => {
    await Promise.all(temp.splice(0).map((d) => fs.rm(d, { recursive: true, force: true })));
  });
  async function parent(): Promise<string> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'authpipe-datadir-'));
    temp.push(dir);
    return dir;
  }
  const modeOf = async (p: string) => (await fs.stat(p)).mode & 0o777;

  it('creates a new data directory 0700 (with its key file inside)', async () => {
    const dataDir = path.join(await parent(), 'nested', 'data');
    const db = await createTestDatabase();
    const vault = await openVault({ env: { NODE_ENV: 'test', AUTHPIPE_DATA_DIR: dataDir }, database: db });
    try {
      expect(await modeOf(dataDir)).toBe(0o700);
      expect(await modeOf(path.join(dataDir, 'master.key'))).toBe(0o600);
    } finally {
      await vault.database.close();
    }
  });

  it.each([0o755, 0o750, 0o770, 0o707])(
    'refuses to start on an existing data directory of mode 0%s, naming the chmod that fixes it',
    async (mode) => {
      // Today's layout: the embedded database and the key file in a directory others can enter.
      const dataDir = path.join(await parent(), 'data');
      await fs.mkdir(path.join(dataDir, 'pg'), { recursive: true });
      await fs.writeFile(path.join(dataDir, 'master.key'), 'not read\n', { mode: 0o600 });
      await fs.chmod(dataDir, mode);
      const error = await openVault({ env: { NODE_ENV: 'test', AUTHPIPE_DATA_DIR: dataDir } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DataDirPermissionsError);
      const printed = describeBootError(error);
      expect(printed).toContain(`chmod 700 ${dataDir}`);
      expect(printed).toContain(`mode 0${mode.toString(8)}`);
      // Nothing was touched: no lock taken, the files as they were.
      expect((await fs.readdir(dataDir)).sort()).toEqual(['master.key', 'pg']);
      expect(await modeOf(dataDir)).toBe(mode);
    },
  );

  it('starts once the directory is fixed with chmod 700', async () => {
    const dataDir = path.join(await parent(), 'data');
    await fs.mkdir(dataDir, { mode: 0o755 });
    await fs.chmod(dataDir, 0o755);
    expect(
      await openVault({ env: { NODE_ENV: 'test', AUTHPIPE_DATA_DIR: dataDir } }).catch((e: unknown) => e),
    ).toBeInstanceOf(DataDirPermissionsError);
    await fs.chmod(dataDir, 0o700);
    const db = await createTestDatabase();
    const vault = await openVault({ env: { NODE_ENV: 'test', AUTHPIPE_DATA_DIR: dataDir }, database: db });
    await vault.database.close();
  });

  it('a boot that loses the embedded database lock never creates (nor deletes) a master key file', async () => {
    const dataDir = path.join(await parent(), 'data');
    await fs.mkdir(dataDir, { mode: 0o700 });
    // Another live process holds the database (our parent process stands in for it).
    await fs.writeFile(embeddedLockPath(path.join(dataDir, 'pg')), String(process.ppid), { mode: 0o600 });
    const seen: string[] = [];
    let sentinelSeen!: () => void;
    const sentinel = new Promise<void>((resolve) => (sentinelSeen = resolve));
    const watcher = watch(dataDir, (_event, name) => {
      if (name) seen.push(name.toString());
      if (name?.toString() === 'sentinel') sentinelSeen();
    });
    try {
      const error = await openVault({ env: { NODE_ENV: 'test', AUTHPIPE_DATA_DIR: dataDir } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EmbeddedDatabaseBusyError);
      // One watcher reports in order: once the sentinel's event is in, an earlier master.key one would be too.
      await fs.writeFile(path.join(dataDir, 'sentinel'), '');
      await sentinel;
      expect(seen).not.toContain('master.key');
      expect(await fs.readdir(dataDir)).not.toContain('master.key');
    } finally {
      watcher.close();
    }
  });
});
