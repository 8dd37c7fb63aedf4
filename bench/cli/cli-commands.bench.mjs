// How long one CLI command takes, process start to exit, as a person typing it waits: `--version`
// (the parser alone) and `project list --json` on PostgreSQL (DATABASE_URL) or, without it, on the
// embedded database of AUTHPIPE_DATA_DIR. Each run is a new process of the compiled CLI (run
// `npm run build` first). Wall time, so run it on a quiet machine; the load average is printed
// with the figures.
// Goal (issue 11): under 1 s on PostgreSQL or through a running vault.
//
// What a `project list` does (apps/vault/src/cli/README.md): parse, open the vault as the server
// does (config, master keys, database, key check, migrations), then call ProjectsService, built
// by hand with the few objects it needs: no Nest core, no application context, no @nestjs/common
// index (rxjs), no bus LISTEN session. Key jobs still build an application context.
//
// Measured 2026-11-30 on the shared 2-core machine (other helpers' test suites running), old and
// new build alternated in one loop, median of 10 (6 on PGlite) (`/usr/bin/time`, CPU = user + sys):
//   PostgreSQL `project list --json`, load 3.8-4.5: wall 870 -> 700 ms, CPU 720 -> 510 ms
//     (another run at load 7.2: wall 790 -> 620 ms, CPU 710 -> 500 ms); 886 -> 279 modules loaded.
//   `--version`: 40-80 ms either way (the parser alone).
//   Embedded PGlite `project list --json`, load 4.5-6: wall 2.0 -> 1.7 s, CPU 1.58 -> 1.34 s. Starting
//   PGlite (its WASM and PostgreSQL's start on the data directory) is about half of a command's
//   CPU there and is the floor.
// Then on an idle machine (load 1.8), this bench: `--version` median 36 ms, `project list --json`
// median 374 ms on PostgreSQL; the same command on a fresh embedded data dir: 0.85 s.
// What remains on PostgreSQL (CPU profile): Node's start, module loading (zod with its locales,
// Prisma's client, pg, the contract), and Prisma's start, ~130 ms at load 4 ($connect ~80 ms:
// decoding and compiling its WASM query compiler synchronously; the first query ~55 ms: reading
// its data model and compiling the query).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
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
      `over ${runs} runs (${process.env.DATABASE_URL ? 'PostgreSQL' : 'embedded database or running vault'}), ` +
      `load average ${os.loadavg()[0].toFixed(2)}`,
  );
}
