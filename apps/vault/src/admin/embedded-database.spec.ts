import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedDatabaseBusyError, embeddedLockPath, lockEmbeddedDirectory } from './embedded-database';

describe(lockEmbeddedDirectory.name, () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'authpipe-lock-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('writes the pid with mode 0600 and removes the file on release', async () => {
    const pg = path.join(dir, 'pg');
    const release = await lockEmbeddedDirectory(pg);
    const file = embeddedLockPath(pg);
    expect(await fs.readFile(file, 'utf8')).toBe(String(process.pid));
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    await release();
    await expect(fs.access(file)).rejects.toThrow();
  });

  it('refuses a directory held by another live process, naming it and the way out', async () => {
    const pg = path.join(dir, 'pg');
    // The parent of this test process is alive for the whole test.
    await fs.writeFile(embeddedLockPath(pg), String(process.ppid));
    const error = await lockEmbeddedDirectory(pg).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EmbeddedDatabaseBusyError);
    expect((error as Error).message).toContain(`process ${process.ppid}`);
    expect((error as Error).message).toContain('DATABASE_URL');
  });

  it('takes over a lock left by a process that died', async () => {
    const pg = path.join(dir, 'pg');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    await fs.writeFile(embeddedLockPath(pg), dead.stdout);
    const release = await lockEmbeddedDirectory(pg);
    expect(await fs.readFile(embeddedLockPath(pg), 'utf8')).toBe(String(process.pid));
    await release();
  });
});
