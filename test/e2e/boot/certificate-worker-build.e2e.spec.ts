// The certificate worker from the compiled CommonJS build (what `npm start` runs): the parser
// finds `certificate-worker.js` beside itself and runs it with plain Node, no TypeScript loader.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCertificate, makePfx } from '@test/support/certificate-fixtures';
import { buildCli } from '@test/support/cli-runner';

const CHILD = `
const { CertificateParser } = require(process.argv[1]);
// The test's own time: a child process may not share the clock the test runs on (a moved clock).
const now = new Date(Number(process.argv[2]));
const inputs = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
const parser = new CertificateParser({ timeoutMs: 30000 });
Promise.all(inputs.map((input) => parser.parse(input, now).then(
  (credential) => ({ thumbprintSha256: credential.thumbprintSha256 }),
  (error) => ({ reason: error.reason, details: error.details }),
))).then(async (results) => { process.stdout.write(JSON.stringify(results)); await parser.close(); });
`;

describe('certificate parser from the compiled build', () => {
  let build: ReturnType<typeof buildCli>;

  beforeAll(() => {
    build = buildCli();
  }, 120_000);

  afterAll(async () => {
    await build?.remove();
  });

  it('reads a PFX and refuses the audit PFX in a worker of the built code', () => {
    const now = Date.now();
    const fixture = makeCertificate(new Date(now - 86_400_000), new Date(now + 365 * 86_400_000));
    // buildCli's entry is <out>/apps/vault/src/cli/main.js; the library sits at <out>/libs.
    const out = path.resolve(path.dirname(build.entry), '../../../..');
    const parser = path.join(out, 'libs/microsoft/src/certificate-parser.js');
    const inputs = [
      { pfxBase64: makePfx(fixture, 'pw'), password: 'pw' },
      { pfxBase64: makePfx(fixture, 'pw', { claim: { mac: 4_000_000 } }), password: 'pw' },
    ];
    const child = spawnSync(process.execPath, ['-e', CHILD, parser, String(now)], {
      input: JSON.stringify(inputs),
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: process.env.PATH ?? '' },
    });
    expect(child.status, child.stderr).toBe(0);
    const [read, refused] = JSON.parse(child.stdout) as Record<string, unknown>[];
    expect(read.thumbprintSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(refused).toEqual({
      reason: 'kdf_too_costly',
      details: { part: 'pfx_mac', iterations: 4_000_000, maxIterations: 100_000 },
    });
  });
});
