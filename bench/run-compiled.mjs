// Runs a benchmark that needs the vault's Nest application (decorator metadata, which tsx does
// not emit): compiles apps, libs, generated and bench with the build's swc settings into
// node_modules/.cache/bench-build, then runs the compiled benchmark with the given arguments.
//   node bench/run-compiled.mjs bench/credentials/cold-read.bench.ts [args...]
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  process.stderr.write('usage: node bench/run-compiled.mjs <bench file .ts> [args...]\n');
  process.exit(2);
}
const out = path.join(repo, 'node_modules', '.cache', 'bench-build');
const swc = path.join(repo, 'node_modules', '.bin', 'swc');
const built = spawnSync(
  swc,
  ['apps', 'libs', 'generated', 'bench', '-d', out, '--config-file', 'swc.build.json', '--quiet'],
  {
    cwd: repo,
    stdio: 'inherit',
  },
);
if (built.status !== 0) process.exit(built.status ?? 1);
const compiled = path.join(out, entry.replace(/\.ts$/, '.js'));
const run = spawnSync(process.execPath, [compiled, ...args], { cwd: repo, stdio: 'inherit' });
process.exit(run.status ?? 1);
