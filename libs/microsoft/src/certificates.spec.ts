import { createHash, X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { beforeAll, describe, expect, it } from 'vitest';
import { CertificateCredentialError, parseCertificateCredential } from './certificates';

const NOW = new Date('2026-11-22T12:00:00Z');
const DAY = 24 * 3600 * 1000;

interface Fixture {
  certificatePem: string;
  privateKeyPem: string;
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
}

// Small RSA keys keep the fixtures fast; the parser does not care about the size.
function makeCertificate(notBefore: Date, notAfter: Date, keys = forge.pki.rsa.generateKeyPair(1024)): Fixture {
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = '01';
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  const attrs = [{ name: 'commonName', value: 'Authpipe test app' }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return {
    certificatePem: forge.pki.certificateToPem(cert),
    privateKeyPem: forge.pki.privateKeyToPem(keys.privateKey),
    cert,
    key: keys.privateKey,
  };
}

function toPfxBase64(fixture: Fixture, password: string, algorithm: '3des' | 'aes256' = 'aes256'): string {
  const asn1 = forge.pkcs12.toPkcs12Asn1(fixture.key, [fixture.cert], password, { algorithm });
  return forge.util.encode64(forge.asn1.toDer(asn1).getBytes());
}

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof CertificateCredentialError) return error.reason;
    throw error;
  }
  throw new Error('expected a CertificateCredentialError');
}

describe(parseCertificateCredential.name, () => {
  let valid: Fixture;
  let other: Fixture;

  beforeAll(() => {
    valid = makeCertificate(new Date(NOW.getTime() - DAY), new Date(NOW.getTime() + 365 * DAY));
    other = makeCertificate(new Date(NOW.getTime() - DAY), new Date(NOW.getTime() + 365 * DAY));
  });

  it('reads a PEM pair: PKCS#8 key, hex thumbprints, x5c and validity', () => {
    const credential = parseCertificateCredential(
      { certificatePem: valid.certificatePem, privateKeyPem: valid.privateKeyPem },
      NOW,
    );
    const der = new X509Certificate(valid.certificatePem).raw;
    expect(credential.thumbprintSha256).toBe(createHash('sha256').update(der).digest('hex'));
    expect(credential.thumbprintSha1).toBe(createHash('sha1').update(der).digest('hex'));
    expect(credential.privateKeyPem).toContain('-----BEGIN PRIVATE KEY-----');
    expect(credential.x5c).toContain('-----BEGIN CERTIFICATE-----');
    expect(credential.notAfter.getTime()).toBe(Math.floor((NOW.getTime() + 365 * DAY) / 1000) * 1000);
  });

  it('reads a base64 PFX with its password, whatever the bag encryption', () => {
    const fromPem = parseCertificateCredential(
      { certificatePem: valid.certificatePem, privateKeyPem: valid.privateKeyPem },
      NOW,
    );
    for (const algorithm of ['aes256', '3des'] as const) {
      const fromPfx = parseCertificateCredential(
        { pfxBase64: toPfxBase64(valid, 'pfx-pass', algorithm), password: 'pfx-pass' },
        NOW,
      );
      expect(fromPfx.thumbprintSha256).toBe(fromPem.thumbprintSha256);
      expect(fromPfx.privateKeyPem).toBe(fromPem.privateKeyPem);
    }
  });

  it('refuses a PFX with the wrong password, without echoing it', () => {
    const pfx = toPfxBase64(valid, 'right-password');
    let message = '';
    try {
      parseCertificateCredential({ pfxBase64: pfx, password: 'wrong-password' }, NOW);
    } catch (error) {
      expect(error).toBeInstanceOf(CertificateCredentialError);
      expect((error as CertificateCredentialError).reason).toBe('wrong_password');
      message = (error as Error).message;
    }
    expect(message).not.toContain('wrong-password');
    expect(message).not.toBe('');
  });

  it('refuses bytes that are not a PFX', () => {
    expect(
      reasonOf(() =>
        parseCertificateCredential({ pfxBase64: Buffer.from('not a pfx').toString('base64'), password: 'x' }, NOW),
      ),
    ).toBe('invalid_pfx');
  });

  it('refuses a key that does not match the certificate', () => {
    expect(
      reasonOf(() =>
        parseCertificateCredential({ certificatePem: valid.certificatePem, privateKeyPem: other.privateKeyPem }, NOW),
      ),
    ).toBe('key_mismatch');
  });

  it('refuses an expired certificate and one not yet valid', () => {
    const expired = makeCertificate(new Date(NOW.getTime() - 30 * DAY), new Date(NOW.getTime() - DAY));
    expect(
      reasonOf(() =>
        parseCertificateCredential(
          { certificatePem: expired.certificatePem, privateKeyPem: expired.privateKeyPem },
          NOW,
        ),
      ),
    ).toBe('certificate_expired');
    const future = makeCertificate(new Date(NOW.getTime() + DAY), new Date(NOW.getTime() + 30 * DAY));
    expect(
      reasonOf(() =>
        parseCertificateCredential({ certificatePem: future.certificatePem, privateKeyPem: future.privateKeyPem }, NOW),
      ),
    ).toBe('certificate_not_yet_valid');
  });

  it('refuses malformed PEM certificates and keys', () => {
    expect(
      reasonOf(() => parseCertificateCredential({ certificatePem: 'hello', privateKeyPem: valid.privateKeyPem }, NOW)),
    ).toBe('invalid_certificate');
    expect(
      reasonOf(() =>
        parseCertificateCredential(
          {
            certificatePem: valid.certificatePem,
            privateKeyPem: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----',
          },
          NOW,
        ),
      ),
    ).toBe('invalid_private_key');
  });

  it('reads an encrypted PEM key with its passphrase', () => {
    const encrypted = forge.pki.encryptRsaPrivateKey(valid.key, 'key-pass', { algorithm: 'aes256' });
    const credential = parseCertificateCredential(
      { certificatePem: valid.certificatePem, privateKeyPem: encrypted, privateKeyPassphrase: 'key-pass' },
      NOW,
    );
    expect(credential.privateKeyPem).toContain('BEGIN PRIVATE KEY');
    expect(
      reasonOf(() =>
        parseCertificateCredential({ certificatePem: valid.certificatePem, privateKeyPem: encrypted }, NOW),
      ),
    ).toBe('invalid_private_key');
  });
});
