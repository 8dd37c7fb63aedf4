// @authpipe/node as a TypeScript user of the built package sees it: an ES module and a CommonJS
// file importing it by name from the repository root type-check against dist/esm and dist/cjs
// declarations (no DOM library: a Node backend need not have one), and each resolves to its own.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../../..');
const dir = path.join(root, 'node_modules', '.cache', `sdk-types-${process.pid}`);

const USE = `
const authpipe = new Authpipe({ secretKey: 'sk', baseUrl: 'http://127.0.0.1:3000' });
export const credential: Promise<Credential> = authpipe.getCredential({
  provider: 'microsoft-onedrive', tenantId: 'org_acme', userId: 'user_123', credentialFor: 'user' });
export const page = authpipe.files.listChildren({ tenantId: 'org_acme' });
export function link(error: unknown): string | undefined {
  return error instanceof NeedsReauthError ? error.reauthUrl : undefined;
}
`;

describe('@authpipe/node types', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('type-checks an ES module and a CommonJS user against their own declarations', () => {
    mkdirSync(dir, { recursive: true });
    const header = `import { Authpipe, NeedsReauthError, type Credential } from '@authpipe/node';\n`;
    writeFileSync(path.join(dir, 'user.mts'), header + USE);
    writeFileSync(path.join(dir, 'user.cts'), header + USE);
    const tsc = spawnSync(
      process.execPath,
      [
        require.resolve('typescript/bin/tsc'),
        '--ignoreConfig',
        '--noEmit',
        '--strict',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--types',
        'node',
        '--lib',
        'ES2023',
        '--traceResolution',
        path.join(dir, 'user.mts'),
        path.join(dir, 'user.cts'),
      ],
      { cwd: root, encoding: 'utf8', timeout: 120_000 },
    );
    const errors = tsc.stdout.split('\n').filter((line) => line.includes('error TS'));
    expect(errors).toEqual([]);
    expect(tsc.status).toBe(0);
    const resolved = tsc.stdout.match(/'@authpipe\/node' was successfully resolved to '[^']+'/g) ?? [];
    expect(resolved.map((line) => line.replace(/.*libs\/node\//, '').replace(/'$/, '')).sort()).toEqual([
      'dist/cjs/index.d.ts',
      'dist/esm/index.d.ts',
    ]);
  });
});
