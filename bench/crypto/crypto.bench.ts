/**
 * Envelope encrypt/decrypt of 256-byte tokens with a warm DEK cache, against raw Node AES-256-GCM
 * (createCipheriv/createDecipheriv, 12-byte nonce, 16-byte tag, same plaintext) in the same run.
 *
 *   npx tsx bench/crypto/crypto.bench.ts [--ops 20000] [--rounds 31] [--json]
 *
 * Each round runs every variant once, in rotating order, so drift on a noisy machine hits all of
 * them alike. Every round is timed by the process's CPU time (user + system, so it includes GC
 * threads) and by wall clock: on a shared machine wall time mostly measures the neighbours, CPU time
 * measures the work. Ratios are envelope / raw of the same direction within one round; the median of
 * the per-round ratios is reported, and the target is judged on CPU time.
 */
import { createCipheriv, createDecipheriv, randomBytes, randomFillSync } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
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
    rounds: { type: 'string', default: '31' },
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
  const wall = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  const cpu = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(round + k) % variants.length];
      const cpuStart = process.cpuUsage();
      const start = process.hrtime.bigint();
      await v.run(OPS);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      const used = process.cpuUsage(cpuStart);
      wall.get(v.name)!.push(OPS / seconds);
      cpu.get(v.name)!.push(OPS / ((used.user + used.system) / 1e6));
    }
  }

  const median = (xs: readonly number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
  const rows = variants.map((v) => ({
    variant: v.name,
    wallOpsPerSec: Math.round(median(wall.get(v.name)!)),
    cpuOpsPerSec: Math.round(median(cpu.get(v.name)!)),
    usPerOpCpu: 1e6 / median(cpu.get(v.name)!),
  }));
  // Per-round ratios: both variants of a round ran back to back under the same conditions.
  const ratio = (samples: Map<string, number[]>, envelopeName: string, rawName: string): number => {
    const raw = samples.get(rawName)!;
    return median(samples.get(envelopeName)!.map((ops, round) => ops / raw[round]));
  };
  const ratios = {
    encryptCpu: ratio(cpu, 'envelope encrypt', 'raw encrypt'),
    decryptCpu: ratio(cpu, 'envelope decrypt', 'raw decrypt'),
    encryptWall: ratio(wall, 'envelope encrypt', 'raw encrypt'),
    decryptWall: ratio(wall, 'envelope decrypt', 'raw decrypt'),
  };

  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ node: process.version, loadavg: loadavg(), ops: OPS, rounds: ROUNDS, rows, ratios }, null, 2)}\n`,
    );
    return;
  }
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  const num = (n: number) => n.toLocaleString('en-US');
  const out = [
    `AES-256-GCM, 256-byte plaintext, ${OPS} ops x ${ROUNDS} rounds, medians (Node ${process.version})`,
    // Wall-clock ratios are only comparable on a quiet machine; say how busy this one was.
    `${cpus().length} CPUs, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
    line(['variant', 'ops per CPU-second', 'CPU µs/op', 'ops/s (wall)']),
    line(['---', '---:', '---:', '---:']),
    ...rows.map((r) => line([r.variant, num(r.cpuOpsPerSec), r.usPerOpCpu.toFixed(2), num(r.wallOpsPerSec)])),
    '',
    'envelope/raw, median of per-round ratios, by CPU time (by wall time):',
    `encrypt: ${pct(ratios.encryptCpu)} (${pct(ratios.encryptWall)})`,
    `decrypt: ${pct(ratios.decryptCpu)} (${pct(ratios.decryptWall)})  target >= 80%: ${ratios.decryptCpu >= 0.8 ? 'met' : 'NOT met'}`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

function pct(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`;
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
