// How long one CLI command takes, process start to exit, as a person typing it waits: `--version`
// (the parser alone) and `project list --json` on PostgreSQL (DATABASE_URL) or, without it, on the
// embedded database of AUTHPIPE_DATA_DIR. Each run is a new process of the compiled CLI (run
// `npm run build` first). Wall time, so run it on a quiet machine.
// Goal (issue 11): under 1 s on PostgreSQL or through a running vault.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');
const entry = path.join(root, 'dist/apps/vault/src/cli/main.js');
if (!existsSync(entry)) throw new Error('no dist/: run `npm run build` first');
const runs = Number(process.env.RUNS ?? 10);

function once(args) {
  const start = process.hrtime.bigint();
  const child = spawnSync(process.execPath, [entry, ...args], { cwd: root, env: process.env, encoding: 'utf8' });
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  if (child.status !== 0) throw new Error(`authpipe ${args.join(' ')} exited ${child.status}: ${child.stderr}`);
  return wallMs;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

for (const args of [['--version'], ['project', 'list', '--json']]) {
  once(args); // warm the file system cache
  const walls = Array.from({ length: runs }, () => once(args));
  console.log(
    `authpipe ${args.join(' ')}: median ${median(walls).toFixed(0)} ms, min ${Math.min(...walls).toFixed(0)} ms ` +
      `over ${runs} runs (${process.env.DATABASE_URL ? 'PostgreSQL' : 'embedded database or running vault'})`,
  );
}
