import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

const repo = path.resolve(__dirname, '../..');

/**
 * Compiles the CLI the way `npm run build` does, into a directory of its own under
 * node_modules/.cache (inside the repository, so prisma/migrations and node_modules resolve as
 * from dist/), without touching dist/ that a running server may use.
 */
export function buildCli(): { entry: string; remove: () => Promise<void> } {
  const out = path.join(repo, 'node_modules', '.cache', `authpipe-cli-e2e-${randomBytes(4).toString('hex')}`);
  const swc = path.join(repo, 'node_modules', '.bin', 'swc');
  const built = spawnSync(swc, ['apps', 'libs', 'generated', '-d', out, '--config-file', 'swc.build.json', '--quiet'], {
    cwd: repo,
    encoding: 'utf8',
  });
  if (built.status !== 0) throw new Error(`swc build failed: ${built.stderr}`);
  return {
    entry: path.join(out, 'apps', 'vault', 'src', 'cli', 'main.js'),
    remove: () => fs.rm(out, { recursive: true, force: true }),
  };
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (for --json runs). */
  json: () => any; // eslint-disable-line @typescript-eslint/no-explicit-any -- shapes are asserted by each test
}

/** Runs the compiled CLI as a child process with exactly `env` (plus PATH). */
export function runCli(entry: string, args: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [entry, ...args],
      { env: { PATH: process.env.PATH ?? '', ...env }, cwd: repo, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr, json: () => JSON.parse(stdout) });
      },
    );
  });
}
