import { ERROR_CATALOG, type ErrorDefinition } from '@authpipe/contract';
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
  tenant_not_found: mapped('tenant_not_found', 'No such tenant.', false),
  key_job_busy: mapped('key_job_busy', 'A key job for this scope is already running.', false),
  secret_scope_conflict: mapped(
    'secret_scope_conflict',
    'The record already holds a secret of another project or tenant.',
    true,
  ),
  data_key_unavailable: mapped(
    'data_key_unavailable',
    "The tenant's data key changed while writing; nothing was stored.",
    false,
  ),
  unknown_master_key_version: mapped(
    'master_key_unavailable',
    'This replica lacks the master key version the data is protected with.',
    true,
  ),
  crypto_integrity: mapped('crypto_integrity', 'Stored data failed its integrity check and cannot be used.', true),
};

/** Status and remediation from the catalog; the message fixed here. */
function mapped(code: ErrorCode, message: string, log: boolean): DomainErrorMapping {
  const definition: ErrorDefinition = ERROR_CATALOG[code];
  return {
    status: definition.status,
    code,
    message,
    ...(definition.remediation !== undefined ? { remediation: definition.remediation } : {}),
    log,
  };
}

/** The mapping of an error carrying one of the listed stable codes, else null. */
export function domainErrorOf(exception: unknown): DomainErrorMapping | null {
  if (!(exception instanceof Error)) return null;
  const code = (exception as { code?: unknown }).code;
  if (typeof code !== 'string' || !Object.hasOwn(DOMAIN_ERRORS, code)) return null;
  return DOMAIN_ERRORS[code] ?? null;
}
