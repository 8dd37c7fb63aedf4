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

// Preloaded into a traced CLI run: records the URL of every module the process loads (CommonJS
// and ES modules alike, through Node's synchronous module hooks) into the file it is given.
const MODULE_TRACER = [
  "import { registerHooks } from 'node:module';",
  "import { writeFileSync } from 'node:fs';",
  'const loaded = [];',
  'registerHooks({ load: (url, context, next) => (loaded.push(url), next(url, context)) });',
  "process.on('exit', () => writeFileSync(process.env.AUTHPIPE_TEST_MODULE_LOG, loaded.join('\\n')));",
].join('\n');

/**
 * Runs the CLI like {@link runCli} and also answers which modules it loaded (their URLs), so a
 * test can hold a command to loading only what it needs.
 */
export async function runCliTracingModules(
  entry: string,
  args: string[],
  env: Record<string, string>,
): Promise<CliRun & { modules: string[] }> {
  const log = path.join(path.dirname(entry), `modules-${randomBytes(4).toString('hex')}.log`);
  const tracer = `data:text/javascript,${encodeURIComponent(MODULE_TRACER)}`;
  const run = await runCli(entry, args, { ...env, NODE_OPTIONS: `--import=${tracer}`, AUTHPIPE_TEST_MODULE_LOG: log });
  const modules = (await fs.readFile(log, 'utf8')).split('\n');
  await fs.rm(log, { force: true });
  return { ...run, modules };
}
