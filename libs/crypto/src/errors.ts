import type { FieldContext } from './aad';

/**
 * Errors raised by `@authpipe/crypto`. Every class carries a stable `code` so callers can map it to
 * an HTTP error or a metric without parsing messages. Messages name ids, versions and positions only:
 * never plaintext, key material, or ciphertext bytes.
 */
export abstract class CryptoError extends Error {
  /** Stable, machine-readable code. */
  abstract readonly code: string;

  protected constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Why a ciphertext could not be opened; stable values, safe to log and to use as a metric label. */
export type IntegrityFailureReason =
  'authentication_failed' | 'malformed' | 'data_key_missing' | 'unknown_master_key_version';

/**
 * A ciphertext (or wrapped key) failed to open: wrong key, wrong associated data (moved to another
 * tenant, row or field), tampered bytes, or its key is gone (shredded). Never carries plaintext.
 */
export class CryptoIntegrityError extends CryptoError {
  readonly code = 'crypto_integrity';

  constructor(
    message: string,
    readonly reason: IntegrityFailureReason = 'authentication_failed',
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Bytes that do not follow the Authpipe ciphertext layout (short, unknown format version, bad field). */
export class CryptoFormatError extends CryptoError {
  readonly code = 'crypto_format';

  constructor(message: string) {
    super(message);
  }
}

/** A caller passed an invalid context (empty id, bad version number) to an AAD builder or the envelope. */
export class CryptoContextError extends CryptoError {
  readonly code = 'crypto_invalid_context';

  constructor(message: string) {
    super(message);
  }
}

/**
 * The master key configuration (`AUTHPIPE_MASTER_KEYS` or the key file) is unusable. `problems` lists
 * every fault found, each naming the entry position or version, never the key material.
 */
export class MasterKeyConfigError extends CryptoError {
  readonly code = 'master_key_config';

  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`Invalid master key configuration in ${source}: ${problems.join('; ')}`);
  }
}

/** A wrapped key names a master key version that the key provider does not hold. */
export class UnknownMasterKeyVersionError extends CryptoError {
  readonly code = 'unknown_master_key_version';

  constructor(
    readonly version: number,
    readonly knownVersions: readonly number[],
  ) {
    super(`Master key version ${version} is not configured (known versions: ${knownVersions.join(', ') || 'none'})`);
  }
}

const REASON_TEXT: Record<IntegrityFailureReason, string> = {
  authentication_failed: 'authentication failed (wrong key, context or tampered bytes)',
  malformed: 'the ciphertext is malformed',
  data_key_missing: 'its data key version does not exist (never created or shredded)',
  unknown_master_key_version: 'its data key is wrapped by a master key version that is not configured',
};

/**
 * The error `Envelope.decrypt` throws: names the record by its ids and the reason, nothing else.
 * Ids are not secret; they are what an operator needs to find the broken row.
 */
export function decryptFailure(
  ctx: FieldContext,
  reason: IntegrityFailureReason,
  cause?: unknown,
): CryptoIntegrityError {
  const where = `${ctx.recordType} ${ctx.recordId} field ${ctx.field} (project ${ctx.projectId}, tenant ${ctx.tenantId ?? '-'})`;
  return new CryptoIntegrityError(
    `Cannot decrypt ${where}: ${REASON_TEXT[reason]}`,
    reason,
    cause === undefined ? undefined : { cause },
  );
}
