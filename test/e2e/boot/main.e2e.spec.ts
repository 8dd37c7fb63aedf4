import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freeBasePort } from '@test/support/free-ports';
import { buildCli } from '@test/support/cli-runner';
import { seedPgliteDirectory } from '@test/support/test-database';

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

/** Listens on a loopback port the way another program would. */
async function holdPort(port: number): Promise<net.Server> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port }, resolve));
  return server;
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

  it('names a busy sandbox port (PORT+1) at once, before any work, as plain text', async () => {
    const base = await freeBasePort();
    const holder = await holdPort(base + 1);
    const emptyDir = await fs.mkdtemp(path.join(os.tmpdir(), 'authpipe-main-ports-'));
    try {
      const res = await runMain(main, { AUTHPIPE_DATA_DIR: emptyDir, PORT: String(base) });
      expect(res.code).toBe(1);
      expect(res.stderr).toContain(`127.0.0.1:${base + 1}`);
      expect(res.stderr).toContain('PORT+1');
      expect(res.stderr).toContain('already in use');
      expect(res.stderr).not.toContain('\u001b['); // no colour codes
      expect(res.stdout).toBe('');
      // Before the key file, the database or the emulator: nothing was created.
      expect(await fs.readdir(emptyDir)).toEqual([]);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
      await fs.rm(emptyDir, { recursive: true, force: true });
    }
  });

  it('answers /readyz only once the sandbox demo project and its key exist, and logs JSON without the framework chatter', async () => {
    const base = await freeBasePort();
    const sandboxDir = await fs.mkdtemp(path.join(os.tmpdir(), 'authpipe-main-sandbox-'));
    await seedPgliteDirectory(path.join(sandboxDir, 'pg'));
    const child = spawn(process.execPath, [main], {
      env: { PATH: process.env.PATH ?? '', PORT: String(base), AUTHPIPE_DATA_DIR: sandboxDir, LOG_LEVEL: 'info' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const output = () => `${stdout}\n${stderr}`;
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      // What an orchestrator does: probe until the first 200, then rely on the sandbox.
      const ready = await vi.waitFor(
        async () => {
          if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${output()}`);
          const res = await fetch(`http://127.0.0.1:${base}/readyz`);
          if (res.status !== 200) throw new Error(`readyz ${res.status}`);
          return res;
        },
        { timeout: 90_000, interval: 50 },
      );
      expect(ready.status).toBe(200);
      const file = JSON.parse(await fs.readFile(path.join(sandboxDir, 'sandbox.json'), 'utf8'));
      expect(file.secretKey).toMatch(/^ap_sk_/);
      const apps = await fetch(`http://127.0.0.1:${base}/v1/apps`, {
        headers: { authorization: `Bearer ${file.secretKey}` },
      });
      expect(apps.status).toBe(200);

      // Logs: stdout is JSON records only (not a terminal), without Nest's route and module
      // narration; the banner and the new master key's warning block go to stderr.
      await vi.waitFor(() => expect(stderr).toContain('Authpipe sandbox'));
      const records = stdout
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { msg: string; level: number });
      expect(records.map((r) => r.msg).join('\n')).not.toMatch(/Mapped \{|dependencies initialized/);
      expect(records.filter((r) => r.level >= 30).length).toBeLessThan(15);
      expect(records.some((r) => r.msg.startsWith('Authpipe vault listening on'))).toBe(true);
      expect(stderr).toContain('WARNING: new master key');
      expect(stderr).toContain(path.join(sandboxDir, 'master.key'));
      expect(stdout).not.toContain(file.secretKey);
    } finally {
      child.kill('SIGTERM');
      await exited;
      await fs.rm(sandboxDir, { recursive: true, force: true });
    }
  }, 120_000);
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
      // Awaited, so afterAll does not remove the data dir under a database still closing.
      const exited = child.exitCode === null && child.signalCode === null ? once(child, 'exit') : null;
      child.kill('SIGTERM');
      await exited;
    }
  }, 120_000);
});
