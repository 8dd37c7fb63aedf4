// What a password-based encryption will cost, read from its AlgorithmIdentifier before it runs,
// and the budget a whole input may spend. Only schemes whose cost is one iteration count are
// accepted (an allow-list): anything else is refused unread, because its cost cannot be bounded.
import forge from 'node-forge';
import { childrenOf, countOf, isUniversal, octetsOf, oidOf } from './asn1-read';
import { CertificateCredentialError, type KdfPart } from './certificate-errors';
import { MAX_KDF_ITERATIONS, MAX_TOTAL_KDF_ITERATIONS } from './certificate-limits';

type Asn1 = forge.asn1.Asn1;
const { Type } = forge.asn1;

const PBES2 = '1.2.840.113549.1.5.13';
const PBKDF2 = '1.2.840.113549.1.5.12';
/** pbeWithSHAAnd128BitRC4 … pbewithSHAAnd40BitRC2-CBC (RFC 7292 appendix C). */
const PKCS12_PBE = /^1\.2\.840\.113549\.1\.12\.1\.[1-6]$/;
/** PBES1: pbeWithMD2AndDES-CBC, MD5AndDES, MD2AndRC2, MD5AndRC2, SHA1AndDES, SHA1AndRC2 (RFC 8018 A.3). */
const PBES1 = new Set(['1', '3', '4', '6', '10', '11'].map((n) => `1.2.840.113549.1.5.${n}`));
/** hmacWithSHA1 … hmacWithSHA512 (RFC 8018 B.1), as Node names their digests. */
const PBKDF2_PRFS: Record<string, string> = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.8': 'sha224',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
};

/** A password-based encryption, read once: the count checks its cost, the rest decrypts. */
export type Pbe =
  | {
      scheme: 'pbes2';
      iterations: number;
      salt: string;
      /** Node's name of the PRF's digest. */
      digest: string;
      cipherOid: string;
      cipherParams: Asn1 | undefined;
    }
  /** PKCS#12 PBE: forge derives and decrypts from the original parameters. */
  | { scheme: 'pkcs12'; iterations: number; oid: string; params: Asn1 }
  | { scheme: 'pbes1'; iterations: number };

export const PART_NAMES: Record<KdfPart, string> = {
  pfx_mac: "PFX's integrity MAC",
  pfx_encrypted_contents: "PFX's encrypted certificates",
  pfx_key_bag: "PFX's private key",
  private_key: 'private key',
};

function unsupported(part: KdfPart): CertificateCredentialError {
  return new CertificateCredentialError(
    'unsupported_encryption',
    `The ${PART_NAMES[part]} is encrypted with a scheme Authpipe does not read (only PBES2 with PBKDF2, and PKCS#12 or PKCS#5 v1 PBE). ${kdfRemedy(part)}`,
    { part },
  );
}

/**
 * A password-based encryption's AlgorithmIdentifier: PBES2 with PBKDF2, PKCS#12 PBE or PKCS#5 v1
 * PBE. Any other scheme (scrypt, an unknown KDF or PRF) is refused, since the derivation it asks
 * for has no count to check.
 *
 * @throws MalformedAsn1 for a structure that is not the standard's.
 */
export function readPbe(algorithm: Asn1 | undefined, part: KdfPart): Pbe {
  const [oidNode, params] = childrenOf(algorithm, 'AlgorithmIdentifier');
  const oid = oidOf(oidNode, 'AlgorithmIdentifier.algorithm');
  if (oid === PBES2) {
    const [kdf, encryptionScheme] = childrenOf(params, 'PBES2-params');
    const [kdfOid, kdfParams] = childrenOf(kdf, 'PBES2-params.keyDerivationFunc');
    if (oidOf(kdfOid, 'keyDerivationFunc.algorithm') !== PBKDF2) throw unsupported(part);
    // PBKDF2-params ::= SEQUENCE { salt, iterationCount, keyLength OPTIONAL, prf DEFAULT hmacWithSHA1 }.
    // keyLength is not read: the key is as long as the cipher's, which fixes the cost too.
    const [salt, iterationCount, ...optional] = childrenOf(kdfParams, 'PBKDF2-params');
    const prf = optional.find((node) => isUniversal(node, Type.SEQUENCE));
    const digest = prf === undefined ? 'sha1' : PBKDF2_PRFS[oidOf(childrenOf(prf, 'prf')[0], 'prf.algorithm')];
    if (digest === undefined) throw unsupported(part);
    const [cipherOid, cipherParams] = childrenOf(encryptionScheme, 'PBES2-params.encryptionScheme');
    return {
      scheme: 'pbes2',
      iterations: countOf(iterationCount, 'PBKDF2-params.iterationCount'),
      salt: octetsOf(salt, 'PBKDF2-params.salt'),
      digest,
      cipherOid: oidOf(cipherOid, 'encryptionScheme.algorithm'),
      cipherParams,
    };
  }
  if (PKCS12_PBE.test(oid) || PBES1.has(oid)) {
    const [, iterations] = childrenOf(params, 'PBE-params');
    const count = countOf(iterations, 'PBE-params.iterations');
    return PBES1.has(oid)
      ? { scheme: 'pbes1', iterations: count }
      : { scheme: 'pkcs12', iterations: count, oid, params };
  }
  throw unsupported(part);
}

const PFX_FIX =
  'Re-export it with standard settings, e.g. `openssl pkcs12 -export -in certificate.pem -inkey key.pem -out app.pfx` (OpenSSL 3 uses 2048 iterations).';
const PEM_FIX =
  'Re-encrypt it with standard settings, e.g. `openssl pkcs8 -topk8 -v2 aes-256-cbc -in key.pem -out key-encrypted.pem` (2048 iterations), or send it unencrypted (over TLS; Authpipe stores it encrypted).';

/** How to fix a refused key derivation of `part`: one sentence, with the command. */
export function kdfRemedy(part: KdfPart): string {
  return part === 'private_key' ? PEM_FIX : PFX_FIX;
}

/**
 * The key derivations one input may run. `charge` is called with the count read from the
 * structure before each derivation, and refuses it when it, or the input's total so far, is
 * above the cap: no derivation runs for a refused input.
 */
export class KdfBudget {
  private spent = 0;

  constructor(
    private readonly maxIterations = MAX_KDF_ITERATIONS,
    private readonly maxTotalIterations = MAX_TOTAL_KDF_ITERATIONS,
  ) {}

  charge(part: KdfPart, iterations: number): void {
    const name = PART_NAMES[part];
    if (iterations > this.maxIterations) {
      throw new CertificateCredentialError(
        'kdf_too_costly',
        `The ${name} asks for ${iterations} key-derivation iterations; Authpipe accepts at most ${this.maxIterations}, so it was refused before deriving any key. ${kdfRemedy(part)}`,
        { part, iterations, maxIterations: this.maxIterations },
      );
    }
    const total = this.spent + iterations;
    if (total > this.maxTotalIterations) {
      throw new CertificateCredentialError(
        'kdf_too_costly',
        `The ${name} brings the key-derivation iterations of this input to ${total}; Authpipe accepts at most ${this.maxTotalIterations} in all, so it was refused before deriving that key. ${kdfRemedy(part)}`,
        {
          part,
          iterations,
          maxIterations: this.maxIterations,
          totalIterations: total,
          maxTotalIterations: this.maxTotalIterations,
        },
      );
    }
    this.spent = total;
  }
}
