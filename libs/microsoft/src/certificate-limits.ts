// Bounds on what reading a certificate credential may cost, checked against the ASN.1 structure
// before any password-based key derivation runs (security audit item 2: a PFX whose MAC asked for
// 4,000,000 iterations held the event loop for 11 s; its INTEGER field allows far more).

/**
 * Iteration counts written by the tools people export certificates with:
 * - OpenSSL 3 `pkcs12 -export` and `pkcs8 -topk8`/`genpkey -aes256`: 2048 (MAC, PBES2/PBKDF2, PKCS#12 PBE);
 * - Windows certificate export (`certmgr`, `Export-PfxCertificate`): 2000;
 * - Java keytool PKCS#12 (JDK 8u301, 11.0.12 and later): 10,000 for the MAC and both PBEs.
 * 100,000 leaves ten times the highest of these (and room for a hand-tuned export), and bounds a
 * step's cost, measured on a busy 2-core machine: PBKDF2 (in OpenSSL) ~50 ms; the PKCS#12 KDF of
 * a MAC or a 3DES/RC2 encryption (only forge implements it, in JavaScript) 0.15–1.2 s.
 */
export const MAX_KDF_ITERATIONS = 100_000;

/**
 * A PFX derives up to three keys in the usual shape (MAC, encrypted certificates, shrouded key):
 * their iterations together may reach three times the per-step cap, no more, whatever the number
 * of encrypted parts an attacker stacks.
 */
export const MAX_TOTAL_KDF_ITERATIONS = 3 * MAX_KDF_ITERATIONS;

/**
 * A real PFX (4096-bit RSA key and a chain of four certificates) is about 10 KiB; 64 KiB leaves
 * room for long chains and Windows' extra attributes.
 */
export const MAX_PFX_BYTES = 64 * 1024;

/** Characters of a PEM certificate chain or private key (a 16384-bit RSA key is ~12,500). */
export const MAX_PEM_CHARS = 100_000;

/** A leaf and its chain up to a root; real chains have two to four. */
export const MAX_CERTIFICATES = 10;

/** Safe bags (keys, certificates, CRLs, secrets) in one PFX; OpenSSL and Windows write two or three. */
export const MAX_SAFE_BAGS = 32;

/** ContentInfos of a PFX's AuthenticatedSafe; OpenSSL and Windows write two (certificates, key). */
export const MAX_PFX_CONTENTS = 8;
