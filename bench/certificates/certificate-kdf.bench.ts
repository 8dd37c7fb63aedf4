/**
 * What reading an uploaded certificate costs, and what it costs the event loop (security audit
 * item 2): each file is read in-thread (what the vault did before) and through CertificateParser
 * (a worker thread per read, what it does now), while the main thread's event-loop delay is
 * sampled.
 *
 *   npx tsx bench/certificates/certificate-kdf.bench.ts [--rounds 3] [--json]
 *
 * Files: OpenSSL 3's layout at its default 2048 iterations; the costliest file the caps accept
 * (100,000-iteration MAC, 3DES certificates and key at 100,000: the PKCS#12 KDF runs in forge's
 * JavaScript); the audit's PFX (MAC raised to 4,000,000) and PKCS#8 key (PBKDF2 at 2,000,000).
 * The median of the rounds is reported; times are wall clock, so run it on a quiet machine (an
 * idle event loop on a loaded one shows tens of ms of delay too). From the sources every worker
 * also loads tsx's loader, which the compiled build does not.
 */
import { cpus, loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import {
  CertificateCredentialError,
  CertificateParser,
  parseCertificateCredential,
  type CertificateInput,
} from '@authpipe/microsoft';
import { encryptedPkcs8, makeCertificate, makePfx } from '../../test/support/certificate-fixtures';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '3' }, json: { type: 'boolean', default: false } },
});
const ROUNDS = Number(values.rounds);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error('--rounds must be a positive integer');

const now = new Date();
const fixture = makeCertificate(new Date(now.getTime() - 86_400_000), new Date(now.getTime() + 30 * 86_400_000));
const files: Record<string, CertificateInput> = {
  'openssl defaults (2048)': { pfxBase64: makePfx(fixture, 'pw'), password: 'pw' },
  'capped worst case (3DES, 3 x 100,000)': {
    pfxBase64: makePfx(fixture, 'pw', { algorithm: '3des', count: 100_000 }),
    password: 'pw',
  },
  'audit PFX (MAC 4,000,000)': { pfxBase64: makePfx(fixture, 'pw', { claim: { mac: 4_000_000 } }), password: 'pw' },
  'audit PKCS#8 (PBKDF2 2,000,000)': {
    certificatePem: fixture.certificatePem,
    privateKeyPem: encryptedPkcs8(fixture.privateKeyPem, 'pw', 2_000_000),
    privateKeyPassphrase: 'pw',
  },
};

interface Sample {
  ms: number;
  maxLoopDelayMs: number;
  outcome: string;
}

async function measure(read: () => Promise<unknown>): Promise<Sample> {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  histogram.enable();
  // The histogram only records from its first tick on: a read blocking before it would go unseen.
  await pause(30);
  const started = performance.now();
  let outcome = 'read';
  try {
    await read();
  } catch (error) {
    outcome = error instanceof CertificateCredentialError ? error.reason : String(error);
  }
  const ms = performance.now() - started;
  // Let the histogram see the turn the read blocked, if it did.
  await pause(30);
  histogram.disable();
  return { ms, maxLoopDelayMs: histogram.max / 1e6, outcome };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const parser = new CertificateParser({ timeoutMs: 60_000 });
  const rows: Record<string, string | number>[] = [];
  for (const [name, input] of Object.entries(files)) {
    for (const [mode, read] of [
      ['in-thread', () => Promise.resolve().then(() => parseCertificateCredential(input, now))],
      ['worker', () => parser.parse(input, now)],
    ] as const) {
      const samples: Sample[] = [];
      for (let round = 0; round < ROUNDS; round++) samples.push(await measure(read));
      rows.push({
        file: name,
        mode,
        outcome: samples[0].outcome,
        ms: Math.round(median(samples.map((s) => s.ms))),
        maxLoopDelayMs: Math.round(median(samples.map((s) => s.maxLoopDelayMs))),
      });
    }
  }
  await parser.close();
  if (values.json) console.log(JSON.stringify({ loadavg: loadavg(), cpus: cpus().length, rows }));
  else {
    console.table(rows);
    console.log(
      `load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} on ${cpus().length} CPUs`,
    );
  }
}

void main();
