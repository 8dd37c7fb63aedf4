export type CertificateErrorReason =
  | 'invalid_certificate'
  | 'invalid_private_key'
  | 'invalid_pfx'
  | 'wrong_password'
  | 'key_mismatch'
  | 'unsupported_key_type'
  | 'certificate_expired'
  | 'certificate_not_yet_valid'
  /** A password-based key derivation asks for more iterations than accepted (refused before deriving). */
  | 'kdf_too_costly'
  /** The key or PFX is encrypted with a scheme whose cost cannot be read and bounded first (scrypt, unknown). */
  | 'unsupported_encryption'
  /** The input is larger than any real certificate credential. */
  | 'too_large'
  /** The PFX holds more certificates, bags or parts than any real one. */
  | 'too_many_parts'
  /** Reading it took longer than the time limit; the worker thread reading it was stopped. */
  | 'parse_timeout';

/** Where a password-based key derivation would have run. */
export type KdfPart = 'pfx_mac' | 'pfx_encrypted_contents' | 'pfx_key_bag' | 'private_key';

/**
 * Facts about a refusal that are safe to show: counts and limits read from the structure,
 * never key material, passwords or bytes of the input.
 */
export type CertificateErrorDetails = Record<string, string | number>;

/** A certificate credential could not be used; the message never contains key material or passwords. */
export class CertificateCredentialError extends Error {
  readonly code = 'invalid_certificate_credential';

  constructor(
    readonly reason: CertificateErrorReason,
    message: string,
    readonly details: CertificateErrorDetails = {},
  ) {
    super(message);
    this.name = 'CertificateCredentialError';
  }
}
