// Certificate credentials of an Entra app: what msal-node's `clientCertificate` needs (a PKCS#8 PEM
// key, the SHA-256 thumbprint in hex, the chain for x5c) from either a PEM pair or a base64 PFX.
// Node's crypto reads X.509 and PEM keys but not PKCS#12, so PFX goes through node-forge.
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { z } from 'zod';

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

export type CertificateErrorReason =
  | 'invalid_certificate'
  | 'invalid_private_key'
  | 'invalid_pfx'
  | 'wrong_password'
  | 'key_mismatch'
  | 'unsupported_key_type'
  | 'certificate_expired'
  | 'certificate_not_yet_valid';

/** A certificate credential could not be used; the message never contains key material or passwords. */
export class CertificateCredentialError extends Error {
  readonly code = 'invalid_certificate_credential';

  constructor(
    readonly reason: CertificateErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'CertificateCredentialError';
  }
}

function hex(fingerprint: string): string {
  return fingerprint.replace(/:/g, '').toLowerCase();
}

function readCertificate(pem: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw new CertificateCredentialError(
      'invalid_certificate',
      'The certificate is not a valid PEM X.509 certificate.',
    );
  }
}

function readKey(pem: string, passphrase: string | undefined): KeyObject {
  try {
    return createPrivateKey({ key: pem, format: 'pem', passphrase });
  } catch {
    throw new CertificateCredentialError(
      'invalid_private_key',
      passphrase === undefined
        ? 'The private key is not a valid PEM private key (or it is encrypted and needs its passphrase).'
        : 'The private key could not be read: it is not a valid PEM private key or the passphrase is wrong.',
    );
  }
}

interface Unpacked {
  keyPem: string;
  certificatePems: string[];
}

// A PFX may carry several certificates; the leaf is the one whose public key matches the key.
function unpackPfx(pfxBase64: string, password: string): Unpacked {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    const asn1 = forge.asn1.fromDer(forge.util.decode64(pfxBase64.replace(/\s+/g, '')));
    p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, password);
  } catch (error) {
    const text = error instanceof Error ? error.message : '';
    if (/MAC could not be verified|Invalid password|decrypt/i.test(text)) {
      throw new CertificateCredentialError('wrong_password', 'The PFX password is wrong.');
    }
    throw new CertificateCredentialError(
      'invalid_pfx',
      'The PFX is not a valid base64 PKCS#12 file (or uses an algorithm that cannot be read).',
    );
  }
  const keyBags = [
    ...(p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[forge.pki.oids.pkcs8ShroudedKeyBag] ?? []),
    ...(p12.getBags({ bagType: forge.pki.oids.keyBag })[forge.pki.oids.keyBag] ?? []),
  ];
  const certBags = p12.getBags({ bagType: forge.pki.oids.certBag })[forge.pki.oids.certBag] ?? [];
  const key = keyBags.find((bag) => bag.key)?.key;
  if (!key)
    throw new CertificateCredentialError(
      'invalid_pfx',
      'The PFX holds no private key readable here (only RSA keys are supported).',
    );
  // forge leaves `cert` empty for certificates it cannot parse (non-RSA keys); those cannot be the leaf.
  const certificatePems = certBags.flatMap((bag) => (bag.cert ? [forge.pki.certificateToPem(bag.cert)] : []));
  if (certificatePems.length === 0)
    throw new CertificateCredentialError('invalid_pfx', 'The PFX holds no certificate.');
  return { keyPem: forge.pki.privateKeyToPem(key), certificatePems };
}

/**
 * Parses and checks a certificate credential: the key must be RSA (Entra client assertions are
 * RS256/PS256), match the certificate, and the certificate must be valid at `now`.
 */
export function parseCertificateCredential(input: CertificateInput, now: Date): CertificateCredential {
  const parsed = certificateInputSchema.parse(input);
  let keyPem: string;
  let certificatePems: string[];
  let passphrase: string | undefined;
  if ('pfxBase64' in parsed) {
    ({ keyPem, certificatePems } = unpackPfx(parsed.pfxBase64, parsed.password));
  } else {
    keyPem = parsed.privateKeyPem;
    passphrase = parsed.privateKeyPassphrase;
    certificatePems = [
      ...parsed.certificatePem.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g),
    ].map((m) => m[0]);
    if (certificatePems.length === 0)
      throw new CertificateCredentialError(
        'invalid_certificate',
        'The certificate is not a valid PEM X.509 certificate.',
      );
  }
  const key = readKey(keyPem, passphrase);
  if (key.asymmetricKeyType !== 'rsa') {
    throw new CertificateCredentialError(
      'unsupported_key_type',
      `The private key is ${key.asymmetricKeyType ?? 'of an unknown type'}; Microsoft Entra client certificates need an RSA key.`,
    );
  }
  const certificates = certificatePems.map(readCertificate);
  const leafIndex = certificates.findIndex((cert) => cert.checkPrivateKey(key));
  if (leafIndex === -1)
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
