// The private key of a PEM pair. Node's crypto (OpenSSL) decrypts it, but only after the cost of
// its encryption has been read from the structure and bounded: OpenSSL would run whatever PBKDF2
// count the file asks for (2,000,000 held the event loop for 3.3 s in the audit).
import { createPrivateKey, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { CertificateCredentialError } from './certificate-errors';
import { MAX_PEM_CHARS } from './certificate-limits';
import { isUniversal, MalformedAsn1 } from './asn1-read';
import { KdfBudget, readPbe } from './pbe-cost';

type Asn1 = forge.asn1.Asn1;

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

/** PEM text over {@link MAX_PEM_CHARS}, refused before it is read. */
export function tooLargePem(what: 'certificate' | 'private key'): CertificateCredentialError {
  return new CertificateCredentialError(
    'too_large',
    `The ${what} PEM is longer than ${MAX_PEM_CHARS} characters; no real ${what} is.`,
    { maxChars: MAX_PEM_CHARS },
  );
}

function unreadable(passphrase: string | undefined): CertificateCredentialError {
  return new CertificateCredentialError(
    'invalid_private_key',
    passphrase === undefined
      ? 'The private key is not a valid PEM private key (or it is encrypted and needs its passphrase).'
      : 'The private key could not be read: it is not a valid PEM private key or the passphrase is wrong.',
  );
}

/**
 * The AlgorithmIdentifier of an EncryptedPrivateKeyInfo (PKCS#8), or null for anything else. Told
 * by shape, not by the PEM label, so a relabelled block cannot reach OpenSSL unchecked.
 */
function encryptionOf(der: Asn1 | null): Asn1 | null {
  if (der === null || !isUniversal(der, forge.asn1.Type.SEQUENCE) || !Array.isArray(der.value)) return null;
  const [algorithm, data, extra] = der.value;
  const shaped =
    extra === undefined &&
    isUniversal(algorithm, forge.asn1.Type.SEQUENCE) &&
    Array.isArray(algorithm.value) &&
    isUniversal(algorithm.value[0], forge.asn1.Type.OID) &&
    isUniversal(data, forge.asn1.Type.OCTETSTRING);
  return shaped ? algorithm : null;
}

function parseBody(body: string): Asn1 | null {
  // Legacy OpenSSL encryption puts `Proc-Type`/`DEK-Info` headers in the body: not DER, and its
  // key derivation (EVP_BytesToKey) is one fixed MD5 round, nothing to bound.
  if (body.includes(':')) return null;
  try {
    return forge.asn1.fromDer(forge.util.decode64(body.replace(/\s+/g, '')));
  } catch {
    return null;
  }
}

/**
 * Reads the first private key of `pem`. An encrypted PKCS#8 key has its iteration count charged
 * to `budget` first, and OpenSSL then decrypts exactly the DER that was checked.
 *
 * @throws CertificateCredentialError invalid_private_key, kdf_too_costly, unsupported_encryption, too_large.
 */
export function readPrivateKeyPem(pem: string, passphrase: string | undefined, budget = new KdfBudget()): KeyObject {
  if (pem.length > MAX_PEM_CHARS) throw tooLargePem('private key');
  const block = [...pem.matchAll(PEM_BLOCK)].find((match) => match[1].endsWith('PRIVATE KEY'));
  if (block === undefined) throw unreadable(passphrase);
  const [text, label, body] = block;
  const der = parseBody(body);
  const algorithm = encryptionOf(der);
  if (label === 'ENCRYPTED PRIVATE KEY' && algorithm === null) throw unreadable(passphrase);
  if (der === null || algorithm === null) {
    try {
      // Only this one block goes to OpenSSL, so it cannot pick another one than was looked at.
      return createPrivateKey({ key: text, format: 'pem', passphrase });
    } catch {
      throw unreadable(passphrase);
    }
  }
  try {
    budget.charge('private_key', readPbe(algorithm, 'private_key').iterations);
  } catch (error) {
    if (error instanceof MalformedAsn1) throw unreadable(passphrase);
    throw error;
  }
  try {
    const checked = Buffer.from(forge.asn1.toDer(der).getBytes(), 'binary');
    return createPrivateKey({ key: checked, format: 'der', type: 'pkcs8', passphrase });
  } catch {
    throw unreadable(passphrase);
  }
}
