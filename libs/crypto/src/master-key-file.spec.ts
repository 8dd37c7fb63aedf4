import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MasterKeyConfigError } from './errors';
import { loadOrCreateMasterKeyFile } from './master-key-file';

describe(loadOrCreateMasterKeyFile.name, () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'authpipe-master-key-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the directory and a 0600 file with one version-1 key when missing', async () => {
    const path = join(dir, 'data', 'master.key');
    const result = await loadOrCreateMasterKeyFile(path);
    expect(result.created).toBe(true);
    expect(result.keyring.versions()).toEqual([1]);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'data'))).mode & 0o777).toBe(0o700);
    expect((await readFile(path, 'utf8')).trim()).toMatch(/^1:[A-Za-z0-9+/]{43}=$/);
  });

  it('loads the same key on the next start without creating anything', async () => {
    const path = join(dir, 'master.key');
    const first = await loadOrCreateMasterKeyFile(path);
    const second = await loadOrCreateMasterKeyFile(path);
    expect(second.created).toBe(false);
    expect(second.keyring.key(1).equals(first.keyring.key(1))).toBe(true);
  });

  it('gives processes racing on first start one and the same key', async () => {
    const path = join(dir, 'master.key');
    const results = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateMasterKeyFile(path)));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const key = results[0].keyring.key(1);
    for (const r of results) expect(r.keyring.key(1).equals(key)).toBe(true);
  });

  it('reads a rotated, multi-version file newest first', async () => {
    const path = join(dir, 'master.key');
    const k = (n: number) => Buffer.alloc(32, n).toString('base64');
    await writeFile(path, `2:${k(2)},1:${k(1)}\n`, { mode: 0o600 });
    const { keyring } = await loadOrCreateMasterKeyFile(path);
    expect(keyring.currentVersion).toBe(2);
  });

  it('refuses a file readable by group or others, naming the path and the fix but not the key', async () => {
    const path = join(dir, 'master.key');
    const { keyring } = await loadOrCreateMasterKeyFile(path);
    await chmod(path, 0o644);
    const error = await loadOrCreateMasterKeyFile(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MasterKeyConfigError);
    expect((error as Error).message).toContain(`file mode is 0644`);
    expect((error as Error).message).toContain(`chmod 600 ${path}`);
    expect((error as Error).message).not.toContain(keyring.key(1).toString('base64'));
  });

  it('refuses a file with broken contents without echoing them', async () => {
    const path = join(dir, 'master.key');
    await writeFile(path, '1:not-a-key-CANARY', { mode: 0o600 });
    const error = await loadOrCreateMasterKeyFile(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MasterKeyConfigError);
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).not.toContain('CANARY');
  });

  it('refuses a directory in place of the file', async () => {
    await expect(loadOrCreateMasterKeyFile(dir)).rejects.toThrow('not a regular file');
  });
});
