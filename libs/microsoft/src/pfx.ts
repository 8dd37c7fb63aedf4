// Reads a PKCS#12 (PFX) file in password integrity and privacy mode (RFC 7292), as
// forge.pkcs12.pkcs12FromAsn1 did, but walking the structure itself so that every key derivation
// (the MAC key, each encrypted SafeContents, each shrouded key bag) is charged to a KdfBudget with
// the count read from the structure *before* it runs. The derivation then uses the parameters that
// were read and checked (pbe-decrypt.ts), so no second parser can read another count.
import { timingSafeEqual } from 'node:crypto';
import forge from 'node-forge';
import { CertificateCredentialError } from './certificate-errors';
import { MAX_CERTIFICATES, MAX_PFX_BYTES, MAX_PFX_CONTENTS, MAX_SAFE_BAGS } from './certificate-limits';
import { childrenOf, countOf, MalformedAsn1, octetsOf, oidOf } from './asn1-read';
import { KdfBudget, readPbe } from './pbe-cost';
import { decryptPbe, UnsupportedCipher } from './pbe-decrypt';

type Asn1 = forge.asn1.Asn1;
const { oids } = forge.pki;

/** What a PFX holds that Authpipe uses: PKCS#8 private keys and X.509 certificates, as DER. */
export interface PfxContents {
  privateKeys: Buffer[];
  certificates: Buffer[];
}

const MAC_DIGESTS: Record<string, { create: () => forge.md.MessageDigest; keyBytes: number }> = {
  [oids.sha1]: { create: () => forge.md.sha1.create(), keyBytes: 20 },
  [oids.sha256]: { create: () => forge.md.sha256.create(), keyBytes: 32 },
  [oids.sha384]: { create: () => forge.md.sha384.create(), keyBytes: 48 },
  [oids.sha512]: { create: () => forge.md.sha512.create(), keyBytes: 64 },
  [oids.md5]: { create: () => forge.md.md5.create(), keyBytes: 16 },
};

const invalid = (message = 'The PFX is not a valid base64 PKCS#12 file (or uses an algorithm that cannot be read).') =>
  new CertificateCredentialError('invalid_pfx', message);
const wrongPassword = () => new CertificateCredentialError('wrong_password', 'The PFX password is wrong.');
const tooMany = (what: string, max: number) =>
  new CertificateCredentialError(
    'too_many_parts',
    `The PFX holds more ${what} than Authpipe reads (at most ${max}); export only the app's certificate, its chain and its key.`,
    { part: what, max },
  );

/** The DER bytes of a base64 PFX, refused above {@link MAX_PFX_BYTES} before decoding. */
export function decodePfxBase64(pfxBase64: string): string {
  const base64 = pfxBase64.replace(/\s+/g, '');
  if (base64.length > Math.ceil(MAX_PFX_BYTES / 3) * 4) {
    throw new CertificateCredentialError(
      'too_large',
      `The PFX is larger than ${MAX_PFX_BYTES / 1024} KiB; a certificate, its chain and its key fit in far less.`,
      { maxBytes: MAX_PFX_BYTES },
    );
  }
  return forge.util.decode64(base64);
}

/**
 * Unpacks a PFX. Every key derivation is checked against `budget` first.
 *
 * @throws CertificateCredentialError invalid_pfx, wrong_password, kdf_too_costly, unsupported_encryption, too_many_parts.
 */
export function unpackPfx(der: string, password: string, budget = new KdfBudget()): PfxContents {
  let pfx: Asn1;
  try {
    pfx = forge.asn1.fromDer(der);
  } catch {
    throw invalid();
  }
  try {
    const [version, authSafe, macData] = childrenOf(pfx, 'PFX');
    if (countOf(version, 'PFX.version') !== 3) throw invalid('The PFX is not a PKCS#12 version 3 file.');
    const [contentType, content] = childrenOf(authSafe, 'PFX.authSafe');
    if (oidOf(contentType, 'authSafe.contentType') !== oids.data) {
      throw invalid('The PFX uses public-key integrity mode; only password-protected PFX files are supported.');
    }
    const authenticated = octetsOf(childrenOf(content, 'authSafe.content')[0], 'authSafe.content');
    if (macData !== undefined) verifyMac(macData, authenticated, password, budget);
    return readAuthenticatedSafe(authenticated, password, budget);
  } catch (error) {
    if (error instanceof MalformedAsn1) throw invalid();
    throw error;
  }
}

function verifyMac(macData: Asn1, authenticated: string, password: string, budget: KdfBudget): void {
  const [digestInfo, macSalt, iterationsNode] = childrenOf(macData, 'MacData');
  // RFC 7292: `iterations INTEGER DEFAULT 1`.
  const iterations = iterationsNode === undefined ? 1 : countOf(iterationsNode, 'MacData.iterations');
  budget.charge('pfx_mac', iterations);
  const [digestAlgorithm, digest] = childrenOf(digestInfo, 'MacData.mac');
  const algorithm = MAC_DIGESTS[oidOf(childrenOf(digestAlgorithm, 'mac.digestAlgorithm')[0], 'digest OID')];
  if (algorithm === undefined) throw invalid();
  const salt = forge.util.createBuffer(octetsOf(macSalt, 'MacData.macSalt'));
  const key = forge.pkcs12.generateKey(password, salt, 3, iterations, algorithm.keyBytes, algorithm.create());
  const hmac = forge.hmac.create();
  hmac.start(algorithm.create(), key);
  hmac.update(authenticated);
  const computed = Buffer.from(hmac.getMac().getBytes(), 'binary');
  const expected = Buffer.from(octetsOf(digest, 'MacData.mac.digest'), 'binary');
  if (computed.length !== expected.length || !timingSafeEqual(computed, expected)) throw wrongPassword();
}

function readAuthenticatedSafe(authenticated: string, password: string, budget: KdfBudget): PfxContents {
  const contents = childrenOf(parseBer(authenticated), 'AuthenticatedSafe');
  if (contents.length > MAX_PFX_CONTENTS) throw tooMany('content parts', MAX_PFX_CONTENTS);
  const found: PfxContents = { privateKeys: [], certificates: [] };
  let bags = 0;
  for (const contentInfo of contents) {
    const [contentType, content] = childrenOf(contentInfo, 'ContentInfo');
    const body = childrenOf(content, 'ContentInfo.content')[0];
    const type = oidOf(contentType, 'ContentInfo.contentType');
    let safeContents: string;
    if (type === oids.data) safeContents = octetsOf(body, 'ContentInfo data');
    else if (type === oids.encryptedData) safeContents = decryptSafeContents(body, password, budget);
    else
      throw invalid(
        'The PFX holds a part encrypted to a certificate; only password-protected PFX files are supported.',
      );
    for (const bag of childrenOf(parseBer(safeContents), 'SafeContents')) {
      if (++bags > MAX_SAFE_BAGS) throw tooMany('bags', MAX_SAFE_BAGS);
      readBag(bag, password, budget, found);
    }
  }
  return found;
}

/** EncryptedData ::= SEQUENCE { version, EncryptedContentInfo { contentType, algorithm, [0] encryptedContent } }. */
function decryptSafeContents(encryptedData: Asn1 | undefined, password: string, budget: KdfBudget): string {
  const [, encryptedContentInfo] = childrenOf(encryptedData, 'EncryptedData');
  const [contentType, algorithm, encryptedContent] = childrenOf(encryptedContentInfo, 'EncryptedContentInfo');
  if (oidOf(contentType, 'EncryptedContentInfo.contentType') !== oids.data) throw invalid();
  const pbe = readPbe(algorithm, 'pfx_encrypted_contents');
  budget.charge('pfx_encrypted_contents', pbe.iterations);
  const plaintext = decrypt(() => decryptPbe(pbe, octetsOf(encryptedContent, 'encryptedContent', true), password));
  if (plaintext === null) throw wrongPassword();
  return plaintext;
}

function readBag(bag: Asn1, password: string, budget: KdfBudget, found: PfxContents): void {
  const [bagId, bagValue] = childrenOf(bag, 'SafeBag');
  const value = childrenOf(bagValue, 'SafeBag.bagValue')[0];
  switch (oidOf(bagId, 'SafeBag.bagId')) {
    case oids.keyBag:
      found.privateKeys.push(toDer(value));
      return;
    case oids.pkcs8ShroudedKeyBag: {
      // EncryptedPrivateKeyInfo ::= SEQUENCE { encryptionAlgorithm, encryptedData OCTET STRING }
      const [algorithm, encryptedData] = childrenOf(value, 'EncryptedPrivateKeyInfo');
      const pbe = readPbe(algorithm, 'pfx_key_bag');
      budget.charge('pfx_key_bag', pbe.iterations);
      const plaintext = decrypt(() => decryptPbe(pbe, octetsOf(encryptedData, 'encryptedData'), password));
      if (plaintext === null) throw wrongPassword();
      // A wrong password passes the padding check one time in 256: the bytes then are no key.
      found.privateKeys.push(Buffer.from(plaintext, 'binary'));
      return;
    }
    case oids.certBag: {
      const [certId, certValue] = childrenOf(value, 'CertBag');
      // Only X.509 certificates can be the app's; SDSI certificates are skipped like CRL and secret bags.
      if (oidOf(certId, 'CertBag.certId') !== oids.x509Certificate) return;
      if (found.certificates.length >= MAX_CERTIFICATES) throw tooMany('certificates', MAX_CERTIFICATES);
      const der = octetsOf(childrenOf(certValue, 'CertBag.certValue')[0], 'CertBag.certValue');
      found.certificates.push(Buffer.from(der, 'binary'));
      return;
    }
    default:
      // CRL, secret and nested SafeContents bags hold nothing Authpipe uses; nothing is derived for them.
      return;
  }
}

/** A cipher that cannot be used is refused like an unreadable file; nothing was derived for it. */
function decrypt(run: () => string | null): string | null {
  try {
    return run();
  } catch (error) {
    if (error instanceof UnsupportedCipher) throw invalid();
    throw error;
  }
}

/** AuthenticatedSafe and SafeContents are BER: forge's non-strict mode reads indefinite lengths too. */
function parseBer(bytes: string): Asn1 {
  try {
    return forge.asn1.fromDer(bytes, false);
  } catch {
    throw new MalformedAsn1('BER');
  }
}

function toDer(node: Asn1 | undefined): Buffer {
  if (node === undefined) throw new MalformedAsn1('bag value');
  return Buffer.from(forge.asn1.toDer(node).getBytes(), 'binary');
}
