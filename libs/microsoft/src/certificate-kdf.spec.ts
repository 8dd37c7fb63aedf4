// Security audit item 2: a PFX or an encrypted PKCS#8 key can ask for any number of key-derivation
// iterations. These tests read in-thread (parseCertificateCredential) to show the refusal comes from
// the structure, before any derivation: the error names the count only the structure holds, and
// forge's derivation functions are never called.
import { createHash, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  encryptedPkcs8,
  makeCertificate,
  makePfx,
  type CertificateFixture,
} from '../../../test/support/certificate-fixtures';
import { CertificateCredentialError } from './certificate-errors';
import { MAX_KDF_ITERATIONS, MAX_TOTAL_KDF_ITERATIONS } from './certificate-limits';
import { parseCertificateCredential } from './certificates';
import { KdfBudget } from './pbe-cost';

const NOW = new Date('2026-11-22T12:00:00Z');
const DAY = 24 * 3600 * 1000;

function refusal(fn: () => unknown): CertificateCredentialError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CertificateCredentialError) return error;
    throw error;
  }
  throw new Error('expected a CertificateCredentialError');
}

describe('key-derivation caps', () => {
  let fixture: CertificateFixture;
  let sha256: string;

  beforeAll(() => {
    fixture = makeCertificate(new Date(NOW.getTime() - DAY), new Date(NOW.getTime() + 365 * DAY));
    sha256 = createHash('sha256').update(new X509Certificate(fixture.certificatePem).raw).digest('hex');
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  describe('PFX', () => {
    it('refuses the audit file (MAC raised to 4,000,000 iterations) before deriving anything, whatever the password', () => {
      const pfxBase64 = makePfx(fixture, 'pfx-pass', { claim: { mac: 4_000_000 } });
      const pkcs12Kdf = vi.spyOn(forge.pkcs12, 'generateKey');
      for (const password of ['pfx-pass', 'not-the-password']) {
        const error = refusal(() => parseCertificateCredential({ pfxBase64, password }, NOW));
        expect(error.reason).toBe('kdf_too_costly');
        expect(error.details).toEqual({ part: 'pfx_mac', iterations: 4_000_000, maxIterations: MAX_KDF_ITERATIONS });
        expect(error.message).toContain('openssl pkcs12 -export');
        expect(error.message).not.toContain(password);
      }
      expect(pkcs12Kdf).not.toHaveBeenCalled();
    });

    it('reports a count wider than 32 bits as written, not wrapped around', () => {
      const pfxBase64 = makePfx(fixture, 'p', { claim: { mac: 2 ** 40 + 5 } });
      expect(refusal(() => parseCertificateCredential({ pfxBase64, password: 'p' }, NOW)).details).toMatchObject({
        iterations: 2 ** 40 + 5,
      });
    });

    it.each([
      ['pfx_encrypted_contents', { certificates: 4_000_000 }],
      ['pfx_key_bag', { keyBag: 4_000_000 }],
    ] as const)('refuses %s asking for 4,000,000 iterations', (part, claim) => {
      for (const algorithm of ['aes256', '3des'] as const) {
        const pfxBase64 = makePfx(fixture, 'pfx-pass', { algorithm, claim });
        const error = refusal(() => parseCertificateCredential({ pfxBase64, password: 'pfx-pass' }, NOW));
        expect(error.reason).toBe('kdf_too_costly');
        expect(error.details).toMatchObject({ part, iterations: 4_000_000 });
      }
    });

    it('reads a file at ordinary counts (Java writes 10,000) to the same thumbprint', () => {
      for (const algorithm of ['aes256', '3des'] as const) {
        const pfxBase64 = makePfx(fixture, 'pfx-pass', { algorithm, count: 10_000 });
        const credential = parseCertificateCredential({ pfxBase64, password: 'pfx-pass' }, NOW);
        expect(credential.thumbprintSha256).toBe(sha256);
      }
    });

    it('still tells a wrong password from a costly file', () => {
      const pfxBase64 = makePfx(fixture, 'pfx-pass');
      expect(refusal(() => parseCertificateCredential({ pfxBase64, password: 'nope' }, NOW)).reason).toBe(
        'wrong_password',
      );
    });

    it('refuses a file over 64 KiB and one holding more than 10 certificates, before reading their keys', () => {
      const big = Buffer.alloc(70 * 1024, 1).toString('base64');
      expect(refusal(() => parseCertificateCredential({ pfxBase64: big, password: 'p' }, NOW)).reason).toBe(
        'too_large',
      );
      const chain = Array.from({ length: 10 }, () => fixture.cert);
      const pfxBase64 = makePfx(fixture, 'p', { extraCertificates: chain });
      const error = refusal(() => parseCertificateCredential({ pfxBase64, password: 'p' }, NOW));
      expect(error.reason).toBe('too_many_parts');
      expect(error.details).toEqual({ part: 'certificates', max: 10 });
    });
  });

  describe('encrypted PKCS#8 PEM key', () => {
    it('refuses 2,000,000 PBKDF2 iterations before OpenSSL derives, with or without the passphrase', () => {
      const privateKeyPem = encryptedPkcs8(fixture.privateKeyPem, 'key-pass', 2_000_000);
      for (const privateKeyPassphrase of ['key-pass', 'wrong', undefined]) {
        const error = refusal(() =>
          parseCertificateCredential(
            { certificatePem: fixture.certificatePem, privateKeyPem, privateKeyPassphrase },
            NOW,
          ),
        );
        // OpenSSL would answer a wrong or missing passphrase with a bare failure; the count comes from the structure.
        expect(error.reason).toBe('kdf_too_costly');
        expect(error.details).toEqual({
          part: 'private_key',
          iterations: 2_000_000,
          maxIterations: MAX_KDF_ITERATIONS,
        });
        expect(error.message).toContain('openssl pkcs8 -topk8');
      }
    });

    it('tells an encrypted key by its shape, not its PEM label', () => {
      const privateKeyPem = encryptedPkcs8(fixture.privateKeyPem, 'key-pass', 2_000_000, 'PRIVATE KEY');
      const error = refusal(() =>
        parseCertificateCredential(
          { certificatePem: fixture.certificatePem, privateKeyPem, privateKeyPassphrase: 'key-pass' },
          NOW,
        ),
      );
      expect(error.details).toMatchObject({ part: 'private_key', iterations: 2_000_000 });
    });

    it('reads a key Node encrypted with its default 2048 iterations', () => {
      const privateKeyPem = encryptedPkcs8(fixture.privateKeyPem, 'key-pass');
      const credential = parseCertificateCredential(
        { certificatePem: fixture.certificatePem, privateKeyPem, privateKeyPassphrase: 'key-pass' },
        NOW,
      );
      expect(credential.thumbprintSha256).toBe(sha256);
    });

    it('refuses a key derivation it cannot bound (scrypt) as unsupported', () => {
      const pem = encryptedPkcs8(fixture.privateKeyPem, 'key-pass');
      const epki = forge.asn1.fromDer(forge.pem.decode(pem)[0].body);
      // PBES2-params.keyDerivationFunc.algorithm := id-scrypt (RFC 7914)
      const kdf = (
        (((epki.value as forge.asn1.Asn1[])[0].value as forge.asn1.Asn1[])[1].value as forge.asn1.Asn1[])[0]
          .value as forge.asn1.Asn1[]
      )[0];
      kdf.value = forge.asn1.oidToDer('1.3.6.1.4.1.11591.4.11').getBytes();
      const scrypt = forge.pem.encode({ type: 'ENCRYPTED PRIVATE KEY', body: forge.asn1.toDer(epki).getBytes() });
      const error = refusal(() =>
        parseCertificateCredential(
          { certificatePem: fixture.certificatePem, privateKeyPem: scrypt, privateKeyPassphrase: 'key-pass' },
          NOW,
        ),
      );
      expect(error.reason).toBe('unsupported_encryption');
    });
  });
});

describe(KdfBudget.name, () => {
  it('accepts each step up to the cap and refuses the step that takes the file over its total', () => {
    const budget = new KdfBudget();
    budget.charge('pfx_mac', MAX_KDF_ITERATIONS);
    budget.charge('pfx_encrypted_contents', MAX_KDF_ITERATIONS);
    budget.charge('pfx_key_bag', MAX_TOTAL_KDF_ITERATIONS - 2 * MAX_KDF_ITERATIONS);
    const error = refusal(() => budget.charge('pfx_key_bag', 1));
    expect(error.reason).toBe('kdf_too_costly');
    expect(error.details).toMatchObject({ totalIterations: MAX_TOTAL_KDF_ITERATIONS + 1 });
  });

  it('refuses one step over the cap', () => {
    expect(refusal(() => new KdfBudget().charge('private_key', MAX_KDF_ITERATIONS + 1)).reason).toBe('kdf_too_costly');
  });
});
