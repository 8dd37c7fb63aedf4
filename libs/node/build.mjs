// Builds @authpipe/node twice with tsc: CommonJS (dist/cjs) and ES modules (dist/esm), each with
// its own declarations, so `require` and `import` users both get real types for what they load.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const here = import.meta.dirname;
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

rmSync(path.join(here, 'dist'), { recursive: true, force: true });
for (const [project, type] of [
  ['tsconfig.build.json', 'commonjs'],
  ['tsconfig.build.esm.json', 'module'],
]) {
  const run = spawnSync(process.execPath, [tsc, '-p', path.join(here, project)], { stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
  const outDir = path.join(here, 'dist', type === 'module' ? 'esm' : 'cjs');
  mkdirSync(outDir, { recursive: true });
  // Tells Node how to read the .js files of this folder, whatever the package's own "type".
  writeFileSync(path.join(outDir, 'package.json'), `${JSON.stringify({ type })}\n`);
}
