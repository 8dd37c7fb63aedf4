// Every package under libs/ is an npm workspace: after `npm ci` (whose postinstall runs
// `npm run build:libs`) it is importable by its name from the repository root, through both
// `require` and `import`, without TypeScript tooling — what an SDK user or a script gets.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../../..');

interface Manifest {
  name: string;
  private?: boolean;
  exports?: Record<string, unknown>;
}

const packages: Manifest[] = readdirSync(path.join(root, 'libs'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => JSON.parse(readFileSync(path.join(root, 'libs', entry.name, 'package.json'), 'utf8')) as Manifest);

function runNode(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const child = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 30_000 });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

describe('workspace packages', () => {
  it('declares every libs/* folder as a package named @authpipe/<folder>', () => {
    const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { workspaces: string[] };
    expect(manifest.workspaces).toEqual(['libs/*']);
    expect(packages.length).toBeGreaterThanOrEqual(2);
    for (const pkg of packages) expect(pkg.name).toMatch(/^@authpipe\/[a-z-]+$/);
  });

  it.each(packages.map((pkg) => pkg.name))('%s loads by name through require from the repository root', (name) => {
    const result = runNode([
      '-e',
      `process.stdout.write(String(Object.keys(require(${JSON.stringify(name)})).length))`,
    ]);
    expect(result.stderr).toBe('');
    expect(Number(result.stdout)).toBeGreaterThan(0);
  });

  it.each(packages.map((pkg) => pkg.name))('%s loads by name through import with its named exports', (name) => {
    // Named exports must survive the CommonJS build (Node finds them by static analysis).
    const script = `import * as m from ${JSON.stringify(name)};
      const named = Object.keys(m).filter((key) => key !== 'default' && key !== 'module.exports');
      process.stdout.write(String(named.length));`;
    const result = runNode(['--input-type=module', '-e', script]);
    expect(result.stderr).toBe('');
    expect(Number(result.stdout)).toBeGreaterThan(0);
  });
});
