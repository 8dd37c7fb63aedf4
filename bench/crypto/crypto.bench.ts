/**
 * Envelope encrypt/decrypt of 256-byte tokens with a warm DEK cache, against raw Node AES-256-GCM
 * (createCipheriv/createDecipheriv, 12-byte nonce, 16-byte tag, same plaintext) in the same run.
 *
 *   npx tsx bench/crypto/crypto.bench.ts [--ops 20000] [--rounds 15] [--json]
 *
 * Each round runs every variant once, in rotating order, so drift on a noisy machine hits all of
 * them alike; the table shows the median round. Ratios are envelope / raw of the same direction,
 * taken within each round (same conditions), and the median of those per-round ratios is reported.
 */
import { createCipheriv, createDecipheriv, randomBytes, randomFillSync } from 'node:crypto';
import { parseArgs } from 'node:util';
import {
  Envelope,
  type FieldContext,
  fieldAad,
  InMemoryDataKeyStore,
  LocalKeyProvider,
  MasterKeyring,
} from '@authpipe/crypto';

const { values } = parseArgs({
  options: {
    ops: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '15' },
    json: { type: 'boolean', default: false },
  },
});
const OPS = Number(values.ops);
const ROUNDS = Number(values.rounds);
if (!Number.isInteger(OPS) || OPS < 1 || !Number.isInteger(ROUNDS) || ROUNDS < 1) {
  throw new Error('--ops and --rounds must be positive integers');
}

const ctx: FieldContext = {
  projectId: 'prj_2b7f0c1e9d',
  tenantId: 'org_acme',
  recordType: 'connection',
  recordId: 'con_01JD3K8Q7Z6X',
  field: 'refreshToken',
};
const plaintext = randomBytes(256);
// The raw baseline authenticates AAD of the same length as the envelope's (field AAD + 5-byte header).
const rawAad = Buffer.concat([Buffer.alloc(5, 1), fieldAad(ctx)]);
const rawKey = randomBytes(32);

function rawEncrypt(): Buffer {
  const nonce = randomFillSync(Buffer.allocUnsafe(12));
  const cipher = createCipheriv('aes-256-gcm', rawKey, nonce, { authTagLength: 16 });
  cipher.setAAD(rawAad);
  const body = cipher.update(plaintext);
  cipher.final();
  const tag = cipher.getAuthTag();
  return Buffer.concat([nonce, tag, body]);
}

const rawSealed = rawEncrypt();
function rawDecrypt(): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', rawKey, rawSealed.subarray(0, 12), { authTagLength: 16 });
  decipher.setAuthTag(rawSealed.subarray(12, 28));
  decipher.setAAD(rawAad);
  const out = decipher.update(rawSealed.subarray(28));
  decipher.final();
  return out;
}

interface Variant {
  name: string;
  run(ops: number): Promise<void> | void;
}

async function main(): Promise<void> {
  const envelope = new Envelope({
    keyProvider: new LocalKeyProvider(MasterKeyring.generate(1)),
    store: new InMemoryDataKeyStore(),
    // One long round must not cross a TTL boundary, or a store round trip lands in the timing.
    cache: { maxEntries: 1000, ttlMs: 10 * 60_000 },
  });
  const sealed = await envelope.encrypt(ctx, plaintext);
  if (!(await envelope.decrypt(ctx, sealed)).equals(plaintext)) throw new Error('envelope round trip failed');
  if (!rawDecrypt().equals(plaintext)) throw new Error('raw round trip failed');

  const variants: Variant[] = [
    { name: 'raw encrypt', run: (n) => void loopSync(n, rawEncrypt) },
    {
      name: 'envelope encrypt',
      run: async (n) => {
        for (let i = 0; i < n; i++) await envelope.encrypt(ctx, plaintext);
      },
    },
    { name: 'raw decrypt', run: (n) => void loopSync(n, rawDecrypt) },
    {
      name: 'envelope decrypt',
      run: async (n) => {
        for (let i = 0; i < n; i++) await envelope.decrypt(ctx, sealed);
      },
    },
  ];

  for (const v of variants) await v.run(Math.min(OPS, 10_000)); // warm-up: JIT, cache, allocator
  const samples = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(round + k) % variants.length];
      const start = process.hrtime.bigint();
      await v.run(OPS);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      samples.get(v.name)!.push(OPS / seconds);
    }
  }

  const rows = variants.map((v) => {
    const s = [...samples.get(v.name)!].sort((a, b) => a - b);
    const median = s[Math.floor(s.length / 2)];
    return {
      variant: v.name,
      medianOpsPerSec: Math.round(median),
      usPerOp: 1e6 / median,
      min: Math.round(s[0]),
      max: Math.round(s.at(-1)!),
    };
  });
  const ratioMedian = (envelopeName: string, rawName: string): number => {
    const envelopeRuns = samples.get(envelopeName)!;
    const rawRuns = samples.get(rawName)!;
    const perRound = envelopeRuns.map((ops, round) => ops / rawRuns[round]).sort((a, b) => a - b);
    return perRound[Math.floor(perRound.length / 2)];
  };
  const ratios = {
    encrypt: ratioMedian('envelope encrypt', 'raw encrypt'),
    decrypt: ratioMedian('envelope decrypt', 'raw decrypt'),
  };

  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ node: process.version, ops: OPS, rounds: ROUNDS, rows, ratios }, null, 2)}\n`,
    );
    return;
  }
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const out = [
    `AES-256-GCM, 256-byte plaintext, ${OPS} ops x ${ROUNDS} rounds, median round (Node ${process.version})`,
    line(['variant', 'ops/s (median)', 'µs/op', 'min ops/s', 'max ops/s']),
    line(['---', '---:', '---:', '---:', '---:']),
    ...rows.map((r) =>
      line([
        r.variant,
        r.medianOpsPerSec.toLocaleString('en-US'),
        r.usPerOp.toFixed(2),
        r.min.toLocaleString('en-US'),
        r.max.toLocaleString('en-US'),
      ]),
    ),
    '',
    'median of per-round ratios:',
    `envelope/raw encrypt: ${(ratios.encrypt * 100).toFixed(1)}%`,
    `envelope/raw decrypt: ${(ratios.decrypt * 100).toFixed(1)}%  (target >= 80%: ${ratios.decrypt >= 0.8 ? 'met' : 'NOT met'})`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

function loopSync(n: number, op: () => Buffer): number {
  let bytes = 0;
  for (let i = 0; i < n; i++) bytes += op().length;
  return bytes;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
