import type { ErrorCode } from './api-error';

/** How a library or key-management error with a stable `code` becomes an HTTP error. */
export interface DomainErrorMapping {
  status: number;
  code: ErrorCode;
  /** Public message: fixed, because the error's own names ids and key versions for operators. */
  message: string;
  remediation?: string;
  /** Server-side faults are logged with an error id, like unexpected errors. */
  log: boolean;
}

/**
 * Errors of libs/crypto and apps/vault/src/keys (and secrets) that a request can run into, by
 * their stable `code` rather than their class: codes survive a second copy of a module and are
 * what those libraries promise to keep. Anything not listed stays an internal error.
 */
const DOMAIN_ERRORS: Readonly<Record<string, DomainErrorMapping>> = {
  tenant_not_found: { status: 404, code: 'tenant_not_found', message: 'No such tenant.', log: false },
  key_job_busy: {
    status: 409,
    code: 'key_job_busy',
    message: 'A key job for this scope is already running.',
    remediation: 'Wait for the running job to finish, then retry.',
    log: false,
  },
  secret_scope_conflict: {
    status: 409,
    code: 'secret_scope_conflict',
    message: 'The record already holds a secret of another project or tenant.',
    log: true,
  },
  data_key_unavailable: {
    status: 503,
    code: 'data_key_unavailable',
    message: "The tenant's data key changed while writing; nothing was stored.",
    remediation: 'Retry the request.',
    log: false,
  },
  unknown_master_key_version: {
    status: 503,
    code: 'master_key_unavailable',
    message: 'This replica lacks the master key version the data is protected with.',
    remediation: 'Configure every master key version on every replica (AUTHPIPE_MASTER_KEYS), then retry.',
    log: true,
  },
  crypto_integrity: {
    status: 500,
    code: 'crypto_integrity',
    message: 'Stored data failed its integrity check and cannot be used.',
    remediation: 'Quote the error id to the operator: the record was altered, or its tenant key was destroyed.',
    log: true,
  },
};

/** The mapping of an error carrying one of the listed stable codes, else null. */
export function domainErrorOf(exception: unknown): DomainErrorMapping | null {
  if (!(exception instanceof Error)) return null;
  const code = (exception as { code?: unknown }).code;
  if (typeof code !== 'string' || !Object.hasOwn(DOMAIN_ERRORS, code)) return null;
  return DOMAIN_ERRORS[code] ?? null;
}
