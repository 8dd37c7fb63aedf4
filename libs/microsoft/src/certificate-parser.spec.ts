// The real worker (certificate-worker.ts, through tsx from the sources): what the vault runs.
import forge from 'node-forge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  encryptedPkcs8,
  makeCertificate,
  makePfx,
  type CertificateFixture,
} from '../../../test/support/certificate-fixtures';
import { CertificateCredentialError } from './certificate-errors';
import { CertificateParser } from './certificate-parser';
import { parseCertificateCredential } from './certificates';

const NOW = new Date('2026-11-22T12:00:00Z');
const DAY = 24 * 3600 * 1000;

async function refusal(promise: Promise<unknown>): Promise<CertificateCredentialError> {
  const error = await promise.then(
    () => new Error('expected a refusal'),
    (e: unknown) => e,
  );
  if (error instanceof CertificateCredentialError) return error;
  throw error;
}

describe(CertificateParser.name, () => {
  let fixture: CertificateFixture;
  const parser = new CertificateParser();

  beforeAll(() => {
    fixture = makeCertificate(new Date(NOW.getTime() - DAY), new Date(NOW.getTime() + 365 * DAY));
  });

  afterAll(() => parser.close());

  it('reads a PFX and a PEM pair in a worker to what an in-thread read gives, dates included', async () => {
    const pfx = { pfxBase64: makePfx(fixture, 'pfx-pass'), password: 'pfx-pass' };
    const pem = {
      certificatePem: fixture.certificatePem,
      privateKeyPem: encryptedPkcs8(fixture.privateKeyPem, 'key-pass'),
      privateKeyPassphrase: 'key-pass',
    };
    for (const input of [pfx, pem]) {
      expect(await parser.parse(input, NOW)).toEqual(parseCertificateCredential(input, NOW));
    }
  });

  it('refuses the audit PFX in the worker with the count read from it, and no password in the error', async () => {
    const pfxBase64 = makePfx(fixture, 'canary-pfx-password', { claim: { mac: 4_000_000 } });
    const error = await refusal(parser.parse({ pfxBase64, password: 'canary-pfx-password' }, NOW));
    expect(error.reason).toBe('kdf_too_costly');
    expect(error.details).toMatchObject({ part: 'pfx_mac', iterations: 4_000_000 });
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain('canary');
  });

  it('passes on refusals of every kind with their reason', async () => {
    const pfxBase64 = makePfx(fixture, 'right');
    expect((await refusal(parser.parse({ pfxBase64, password: 'wrong' }, NOW))).reason).toBe('wrong_password');
    const other = forge.pki.privateKeyToPem(forge.pki.rsa.generateKeyPair(1024).privateKey);
    const mismatch = parser.parse({ certificatePem: fixture.certificatePem, privateKeyPem: other }, NOW);
    expect((await refusal(mismatch)).reason).toBe('key_mismatch');
  });

  it('stops a slow read under the caps at the time limit while this thread stays free', async () => {
    // A 100,000-iteration MAC is within the caps but takes far longer than 1 ms in forge.
    const pfxBase64 = makePfx(fixture, 'pfx-pass', { claim: { mac: 100_000 } });
    const quick = new CertificateParser({ timeoutMs: 1 });
    let turns = 0;
    let reading = true;
    const spin = () => {
      turns++;
      if (reading) setImmediate(spin);
    };
    setImmediate(spin);
    try {
      const error = await refusal(quick.parse({ pfxBase64, password: 'pfx-pass' }, NOW));
      reading = false;
      expect(error.reason).toBe('parse_timeout');
      expect(error.details).toEqual({ timeoutMs: 1 });
      expect(turns).toBeGreaterThan(1);
    } finally {
      reading = false;
      await quick.close();
    }
  });
});
