/**
 * Why the vault or the CLI refuses to start. These never reach HTTP: the process prints one
 * paragraph naming the code's cause and exits. Listed so operators and tooling share the codes.
 */
export const BOOT_ERROR_CATALOG = {
  config_invalid: {
    description: 'An environment variable is missing or malformed; the message lists every bad variable.',
    remediation: 'Fix the variables named in the message (README, Production).',
  },
  master_key_missing: {
    description: 'No master key is configured and the vault may not create a key file (production).',
    remediation: 'Set AUTHPIPE_MASTER_KEYS or AUTHPIPE_MASTER_KEY_FILE.',
  },
  master_key_config: {
    description: 'The master key list or key file is malformed.',
    remediation: 'Use "<version>:<base64 32 bytes>", newest first, comma-separated.',
  },
  master_key_mismatch: {
    description: 'The configured master keys do not open the data keys already stored (a version missing or wrong).',
    remediation: 'Configure every master key version the data uses; nothing was touched.',
  },
  embedded_database_busy: {
    description: 'Another process (a running vault?) holds the embedded database.',
    remediation: 'Stop it, or run the CLI against the running vault.',
  },
  migration_failed: {
    description: 'A database migration could not be applied.',
    remediation: 'Read the message, fix the database, start again; applied migrations are kept.',
  },
} as const satisfies Record<string, { description: string; remediation: string }>;

/** Codes of start-up failures. */
export type BootErrorCode = keyof typeof BOOT_ERROR_CATALOG;
