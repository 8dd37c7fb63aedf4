#!/usr/bin/env node
// `npx authpipe`: runs the compiled CLI from dist/. The CLI needs decorator metadata (NestJS
// dependency injection), which swc emits and tsx/esbuild do not, so on a fresh clone (no
// dist/ yet) it builds once with the project's own `npm run build` (swc, about a second).
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const entry = path.join(root, 'dist', 'apps', 'vault', 'src', 'cli', 'main.js');

if (!existsSync(entry)) {
  process.stderr.write('authpipe: no build found, running `npm run build` first...\n');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const built = spawnSync(npm, ['run', '--silent', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (built.status !== 0 || !existsSync(entry)) {
    process.stderr.write('authpipe: the build failed; run `npm run build` to see why.\n');
    process.exit(1);
  }
}

require(entry).main(process.argv.slice(2), require('../package.json').version);
