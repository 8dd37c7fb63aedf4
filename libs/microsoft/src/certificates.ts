// Certificate credentials of an Entra app: what msal-node's `clientCertificate` needs (a PKCS#8 PEM
// key, the SHA-256 thumbprint in hex, the chain for x5c) from either a PEM pair or a base64 PFX.
// Node's crypto reads X.509 and PEM keys but not PKCS#12, so PFX goes through node-forge (pfx.ts).
// Every password-based key derivation is bounded before it runs (pbe-cost.ts); the vault runs this
// whole parse in a worker thread with a time limit (certificate-parser.ts).
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { CertificateCredentialError } from './certificate-errors';
import { MAX_CERTIFICATES, MAX_PEM_CHARS } from './certificate-limits';
import { decodePfxBase64, unpackPfx } from './pfx';
import { readPrivateKeyPem, tooLargePem } from './private-key-pem';

export * from './certificate-errors';

/** A certificate credential in one of the two forms an admin can hand over. */
export const certificateInputSchema = z.union([
  z.object({
    certificatePem: z.string().min(1),
    privateKeyPem: z.string().min(1),
    /** Passphrase of an encrypted PEM private key. */
    privateKeyPassphrase: z.string().optional(),
  }),
  z.object({
    pfxBase64: z.string().min(1),
    password: z.string(),
  }),
]);
export type CertificateInput = z.infer<typeof certificateInputSchema>;

/** A parsed certificate credential, ready for msal-node. Holds the private key: never log it. */
export interface CertificateCredential {
  /** PKCS#8 PEM. */
  privateKeyPem: string;
  /** The leaf certificate, PEM. */
  certificatePem: string;
  /** Hex SHA-1 thumbprint (what Entra ID shows). */
  thumbprintSha1: string;
  /** Hex SHA-256 thumbprint (msal-node `clientCertificate.thumbprintSha256`). */
  thumbprintSha256: string;
  /** PEM of the leaf followed by any chain certificates (msal-node `clientCertificate.x5c`, sent as the x5c header). */
  x5c: string;
  notBefore: Date;
  notAfter: Date;
}

function hex(fingerprint: string): string {
  return fingerprint.replace(/:/g, '').toLowerCase();
}

function invalidCertificate(): CertificateCredentialError {
  return new CertificateCredentialError('invalid_certificate', 'The certificate is not a valid PEM X.509 certificate.');
}

function readCertificate(pem: string | Buffer): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw invalidCertificate();
  }
}

/** The PEM blocks of a certificate chain, not parsed yet (as before, a bad key is reported before a bad block). */
function certificatePemsOf(text: string): string[] {
  if (text.length > MAX_PEM_CHARS) throw tooLargePem('certificate');
  const pems = [...text.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)].map((m) => m[0]);
  if (pems.length === 0) throw invalidCertificate();
  if (pems.length > MAX_CERTIFICATES) {
    throw new CertificateCredentialError(
      'too_many_parts',
      `The certificate PEM holds more than ${MAX_CERTIFICATES} certificates; send the app's certificate and its chain only.`,
      { part: 'certificates', max: MAX_CERTIFICATES },
    );
  }
  return pems;
}

function readPemPair(
  certificatePem: string,
  privateKeyPem: string,
  passphrase: string | undefined,
): { keys: KeyObject[]; certificates: X509Certificate[] } {
  const pems = certificatePemsOf(certificatePem);
  const key = readPrivateKeyPem(privateKeyPem, passphrase);
  return { keys: [key], certificates: pems.map(readCertificate) };
}

// A PFX may carry several keys and certificates; the leaf is a certificate whose public key matches a key.
function readPfx(pfxBase64: string, password: string): { keys: KeyObject[]; certificates: X509Certificate[] } {
  const { privateKeys, certificates } = unpackPfx(decodePfxBase64(pfxBase64), password);
  if (privateKeys.length === 0) {
    throw new CertificateCredentialError('invalid_pfx', 'The PFX holds no private key.');
  }
  if (certificates.length === 0) throw new CertificateCredentialError('invalid_pfx', 'The PFX holds no certificate.');
  const keys = privateKeys.map((der) => {
    try {
      return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
    } catch {
      throw new CertificateCredentialError('invalid_pfx', 'The PFX holds a private key that cannot be read.');
    }
  });
  return { keys, certificates: certificates.map(readCertificate) };
}

/**
 * Parses and checks a certificate credential: the key must be RSA (Entra client assertions are
 * RS256/PS256), match the certificate, and the certificate must be valid at `now`.
 */
export function parseCertificateCredential(input: CertificateInput, now: Date): CertificateCredential {
  const parsed = certificateInputSchema.parse(input);
  const { keys, certificates } =
    'pfxBase64' in parsed
      ? readPfx(parsed.pfxBase64, parsed.password)
      : readPemPair(parsed.certificatePem, parsed.privateKeyPem, parsed.privateKeyPassphrase);
  const rsaKeys = keys.filter((key) => key.asymmetricKeyType === 'rsa');
  if (rsaKeys.length === 0) {
    const type = keys[0].asymmetricKeyType;
    throw new CertificateCredentialError(
      'unsupported_key_type',
      `The private key is ${type ?? 'of an unknown type'}; Microsoft Entra client certificates need an RSA key.`,
    );
  }
  let key: KeyObject | undefined;
  let leafIndex = -1;
  for (const candidate of rsaKeys) {
    leafIndex = certificates.findIndex((cert) => cert.checkPrivateKey(candidate));
    if (leafIndex !== -1) {
      key = candidate;
      break;
    }
  }
  if (key === undefined)
    throw new CertificateCredentialError('key_mismatch', 'The private key does not belong to the certificate.');
  const leaf = certificates[leafIndex];
  const notBefore = new Date(leaf.validFrom);
  const notAfter = new Date(leaf.validTo);
  if (notAfter.getTime() <= now.getTime()) {
    throw new CertificateCredentialError(
      'certificate_expired',
      `The certificate expired on ${notAfter.toISOString()}: create a new one and upload it to the app in Entra ID and Authpipe.`,
    );
  }
  if (notBefore.getTime() > now.getTime()) {
    throw new CertificateCredentialError(
      'certificate_not_yet_valid',
      `The certificate is not valid before ${notBefore.toISOString()}.`,
    );
  }
  const chain = [leaf, ...certificates.filter((_, i) => i !== leafIndex)];
  return {
    privateKeyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certificatePem: leaf.toString(),
    thumbprintSha1: hex(leaf.fingerprint),
    thumbprintSha256: hex(leaf.fingerprint256),
    x5c: chain.map((cert) => cert.toString()).join(''),
    notBefore,
    notAfter,
  };
}
