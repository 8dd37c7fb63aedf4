/**
 * Errors of the vault's key management. Each has a stable `code`; messages name versions, paths,
 * variables and ids only — never key material, plaintext or ciphertext bytes.
 */
export abstract class KeysError extends Error {
  /** Stable, machine-readable code. */
  abstract readonly code: string;

  protected constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** No master key is configured and the vault may not create a key file (production). */
export class MasterKeyMissingError extends KeysError {
  readonly code = 'master_key_missing';

  constructor(
    readonly envVariable: string,
    readonly keyFile: string,
  ) {
    super(
      `No master key: set ${envVariable} (versioned list "<version>:<base64 32 bytes>", newest first) ` +
        `or provide the key file ${keyFile}. Refusing to start without the key that protects existing data.`,
    );
  }
}

/**
 * The configured master keys cannot open the data keys already stored: a version is missing
 * from the keyring, or a key of a present version is wrong.
 */
export class MasterKeyMismatchError extends KeysError {
  readonly code = 'master_key_mismatch';

  constructor(
    /** Master key versions used by stored data keys but not configured. */
    readonly missingVersions: readonly number[],
    /** Configured versions whose key does not open the data keys wrapped under them. */
    readonly wrongVersions: readonly number[],
    readonly configuredVersions: readonly number[],
  ) {
    const parts: string[] = [];
    if (missingVersions.length > 0) {
      parts.push(`master key version(s) ${missingVersions.join(', ')} are used by stored data keys but not configured`);
    }
    if (wrongVersions.length > 0) {
      parts.push(
        `the configured key of version(s) ${wrongVersions.join(', ')} does not open the data keys wrapped under it`,
      );
    }
    super(
      `Master keys do not match the database (configured versions: ${configuredVersions.join(', ') || 'none'}): ` +
        `${parts.join('; ')}. Refusing to start; no data was touched.`,
    );
  }
}

/** A record id is already used by a secret of another project or tenant. */
export class SecretScopeConflictError extends KeysError {
  readonly code = 'secret_scope_conflict';

  constructor(recordType: string, recordId: string, field: string) {
    super(`Secret ${recordType}/${recordId}/${field} belongs to another project or tenant`);
  }
}

/** The same key job (same kind and scope) is already running, here or on another replica. */
export class KeyJobBusyError extends KeysError {
  readonly code = 'key_job_busy';

  constructor(readonly lockKey: string) {
    super(`A key job for ${lockKey} is already running`);
  }
}

/** No tenant with that id exists in the project. */
export class TenantNotFoundError extends KeysError {
  readonly code = 'tenant_not_found';

  constructor(projectId: string, externalId: string) {
    super(`Tenant ${externalId} not found in project ${projectId}`);
  }
}

/** A secret could not be stored because its owner's data key kept disappearing (shred racing a write). */
export class DataKeyUnavailableError extends KeysError {
  readonly code = 'data_key_unavailable';

  constructor(projectId: string, tenantId: string | null) {
    super(`No usable data key for project ${projectId} tenant ${tenantId ?? '-'}; the write was not stored`);
  }
}
