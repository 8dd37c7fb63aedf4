// Decrypts what a PFX protects with a password, from parameters already read and charged by
// pbe-cost.ts. PBKDF2 runs in Node's crypto (OpenSSL): forge's JavaScript PBKDF2 takes 1.5–2.5 s
// for 100,000 iterations where OpenSSL takes ~50 ms. The PKCS#12 KDF has no native
// implementation in Node, so PKCS#12 PBE stays with forge.
import { pbkdf2Sync } from 'node:crypto';
import forge from 'node-forge';
import { octetsOf } from './asn1-read';
import type { Pbe } from './pbe-cost';

type Asn1 = forge.asn1.Asn1;

// forge's PBE cipher factory (lib/pbe.js `pki.pbe.getCipher`), started with the derived key and
// IV; @types/node-forge does not declare it. Used for PKCS#12 PBE (3DES, RC2-40) only.
type StartedCipher = Pick<forge.cipher.BlockCipher, 'update' | 'finish' | 'output'>;
const forgePbe = (
  forge.pki as unknown as { pbe: { getCipher(oid: string, params: Asn1, password: string): StartedCipher } }
).pbe;

/** The PBES2 encryption schemes forge's own PBES2 reader accepted, with their key lengths. */
const PBES2_CIPHERS: Record<string, { algorithm: forge.cipher.Algorithm; keyLength: number }> = {
  '2.16.840.1.101.3.4.1.2': { algorithm: 'AES-CBC', keyLength: 16 },
  '2.16.840.1.101.3.4.1.22': { algorithm: 'AES-CBC', keyLength: 24 },
  '2.16.840.1.101.3.4.1.42': { algorithm: 'AES-CBC', keyLength: 32 },
  '1.2.840.113549.3.7': { algorithm: '3DES-CBC', keyLength: 24 },
  '1.3.14.3.2.7': { algorithm: 'DES-CBC', keyLength: 8 },
};

/** Thrown for a cipher that cannot be used here (before any derivation). */
export class UnsupportedCipher extends Error {
  constructor() {
    super('unsupported cipher');
    this.name = 'UnsupportedCipher';
  }
}

function pbes2Cipher(pbe: Extract<Pbe, { scheme: 'pbes2' }>, password: string): StartedCipher {
  const cipher = PBES2_CIPHERS[pbe.cipherOid];
  if (cipher === undefined) throw new UnsupportedCipher();
  const iv = octetsOf(pbe.cipherParams, 'encryptionScheme.iv');
  // RFC 8018 leaves the password's encoding to the application; OpenSSL, Java and Windows use
  // UTF-8, which equals forge's byte-per-character reading for every ASCII password.
  const key = pbkdf2Sync(
    Buffer.from(password, 'utf8'),
    Buffer.from(pbe.salt, 'binary'),
    pbe.iterations,
    cipher.keyLength,
    pbe.digest,
  );
  const decipher = forge.cipher.createDecipher(cipher.algorithm, key.toString('binary'));
  decipher.start({ iv });
  return decipher;
}

/**
 * Decrypts `ciphertext` under `pbe`, whose cost has been charged. Returns null when the padding
 * does not check out: the password is wrong.
 *
 * @throws UnsupportedCipher for a scheme or cipher forge cannot decrypt (nothing derived).
 */
export function decryptPbe(pbe: Pbe, ciphertext: string, password: string): string | null {
  let cipher: StartedCipher;
  if (pbe.scheme === 'pbes2') {
    cipher = pbes2Cipher(pbe, password);
  } else if (pbe.scheme === 'pkcs12') {
    try {
      cipher = forgePbe.getCipher(pbe.oid, pbe.params, password);
    } catch {
      // forge refuses an OID it does not implement (RC4, RC2-128, 2-key 3DES) before deriving.
      throw new UnsupportedCipher();
    }
  } else {
    throw new UnsupportedCipher();
  }
  cipher.update(forge.util.createBuffer(ciphertext));
  return cipher.finish() ? cipher.output.getBytes() : null;
}
