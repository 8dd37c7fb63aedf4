import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli } from '@test/support/cli-runner';

/** Runs the compiled server entry (dist/apps/vault/src/main.js) with exactly `env`. */
function runMain(
  entry: string,
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [entry],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe('vault server entry (main.js)', () => {
  let build: ReturnType<typeof buildCli>;
  let main: string;
  let dataDir: string;

  beforeAll(async () => {
    build = buildCli();
    main = path.join(path.dirname(build.entry), '..', 'main.js');
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'authpipe-main-'));
  });
  afterAll(async () => {
    await build.remove();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('prints one error naming every bad variable and exits 1 before touching anything', async () => {
    const res = await runMain(main, {
      AUTHPIPE_DATA_DIR: dataDir,
      PORT: '70000',
      HOST: '',
      NODE_ENV: 'staging',
      AUTHPIPE_PUBLIC_URL: 'not a url',
    });
    expect(res.code).toBe(1);
    for (const name of ['PORT', 'NODE_ENV', 'AUTHPIPE_PUBLIC_URL']) expect(res.stderr).toContain(name);
    expect(res.stderr).not.toContain('70000');
    expect(await fs.readdir(dataDir)).toEqual([]);
  });

  it('refuses to start in production without master keys, naming the variable and the key file', async () => {
    const res = await runMain(main, { AUTHPIPE_DATA_DIR: dataDir, NODE_ENV: 'production' });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('AUTHPIPE_MASTER_KEYS');
    expect(res.stderr).toContain(path.join(dataDir, 'master.key'));
    expect(await fs.readdir(dataDir)).toEqual([]);
  });

  it('serves in production with the emulator absent from the build: it is loaded only for the sandbox', async () => {
    await fs.rm(path.join(path.dirname(main), '..', '..', 'microsoft-emulator'), { recursive: true, force: true });
    const child = spawn(process.execPath, [main], {
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        PORT: '0',
        AUTHPIPE_DATA_DIR: dataDir,
        AUTHPIPE_MASTER_KEYS: `1:${randomBytes(32).toString('base64')}`,
      },
    });
    let output = '';
    const listening = new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString('utf8');
        const url = /listening on (http:\/\/\S+?)"/.exec(output)?.[1];
        if (url) resolve(url);
      });
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${output}`)));
    });
    try {
      const url = await listening;
      const res = await fetch(`${url}/healthz`);
      expect(res.status).toBe(200);
      expect(output).not.toContain('sandbox');
      // Other users cannot enter the data directory. (PGlite sets its own files' modes, 0666 in
      // the WASM file system, whatever the umask: the 0700 directory is what keeps them private.)
      expect((await fs.stat(dataDir)).mode & 0o777).toBe(0o700);
      const open: string[] = [];
      for (const entry of await fs.readdir(dataDir, { recursive: true })) {
        if (entry === 'pg' || entry.startsWith(`pg${path.sep}`)) continue;
        const { mode } = await fs.stat(path.join(dataDir, entry));
        if ((mode & 0o077) !== 0) open.push(`${entry} 0${(mode & 0o777).toString(8)}`);
      }
      expect(open).toEqual([]);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
