/**
 * What the installations and connections tables have in common, for their repositories: health
 * columns, tenant join, list filters and the reset of a credential re-authorized in place.
 */

/** Health of a credential (see refresh/failure-status.ts): the contract's one list. */
import type { CredentialStatus } from '@authpipe/contract';
export { CREDENTIAL_STATUSES, type CredentialStatus } from '@authpipe/contract';

/** Filters of GET /v1/installations and /v1/connections. */
export interface ListFilter {
  tenantExternalId?: string;
  provider?: string;
  status?: CredentialStatus;
}

/** Keyset page: rows with ids after `after`, in id order. */
export interface PageRequest {
  limit: number;
  after?: string;
}

/** What every credential record holds, read with {@link CREDENTIAL_COLUMNS}. */
export interface CredentialRecordBase {
  id: string;
  projectId: string;
  /** The tenant's row id. */
  tenantId: string;
  /** The project's id for the tenant (`org_acme`). */
  tenantExternalId: string;
  appId: string;
  provider: string;
  scopes: string[];
  status: string;
  statusAadsts: number | null;
  statusError: string | null;
  statusRemediation: string | null;
  statusChangedAt: Date | null;
  /** Microsoft's trace and correlation ids of the failure behind the status. */
  statusTraceId: string | null;
  statusCorrelationId: string | null;
  /** A claims challenge's claims, passed on the re-auth sign-in. */
  statusClaims: string | null;
  /** What someone must do (`reauthorize`, `reconsent`, `fix_app`) and its link, as recorded with the status. */
  statusAction: string | null;
  statusActionUrl: string | null;
  expiresAt: Date | null;
  refreshAt: Date | null;
  /** When Microsoft last issued its token set (consent, sign-in or refresh). */
  lastRefreshedAt: Date | null;
  /** Consecutive failed refreshes (the backoff's exponent); 0 after a success. */
  failureCount: number;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** Columns every credential row is read with (besides its own), and the tenant's external id. */
export const CREDENTIAL_COLUMNS = {
  id: true,
  projectId: true,
  tenantId: true,
  appId: true,
  provider: true,
  scopes: true,
  status: true,
  statusAadsts: true,
  statusError: true,
  statusRemediation: true,
  statusChangedAt: true,
  statusTraceId: true,
  statusCorrelationId: true,
  statusClaims: true,
  statusAction: true,
  statusActionUrl: true,
  expiresAt: true,
  refreshAt: true,
  lastRefreshedAt: true,
  failureCount: true,
  version: true,
  createdAt: true,
  updatedAt: true,
  tenant: { select: { externalId: true } },
} as const;

/** A row read with {@link CREDENTIAL_COLUMNS}, as a record naming its tenant by the project's id. */
export function withTenantExternalId<R extends { tenant: { externalId: string } }>({
  tenant,
  ...row
}: R): Omit<R, 'tenant'> & { tenantExternalId: string } {
  return { ...row, tenantExternalId: tenant.externalId };
}

/** `findMany` arguments of a filtered keyset page of one project's credentials. */
export function listQuery(projectId: string, filter: ListFilter, page: PageRequest) {
  return {
    where: {
      projectId,
      ...(filter.tenantExternalId !== undefined
        ? { tenant: { is: { projectId, externalId: filter.tenantExternalId } } }
        : {}),
      ...(filter.provider !== undefined ? { provider: filter.provider } : {}),
      ...(filter.status !== undefined ? { status: filter.status } : {}),
      ...(page.after !== undefined ? { id: { gt: page.after } } : {}),
    },
    orderBy: { id: 'asc' as const },
    take: page.limit,
  };
}

/**
 * Columns set when a credential is granted again in place (same id): active, errors cleared,
 * lease dropped, version bumped so an in-flight refresh of the old credential loses its CAS.
 */
export function reactivation(at: Date) {
  return {
    status: 'active',
    statusAadsts: null,
    statusError: null,
    statusRemediation: null,
    statusTraceId: null,
    statusCorrelationId: null,
    statusClaims: null,
    statusAction: null,
    statusActionUrl: null,
    statusChangedAt: at,
    failureCount: 0,
    leaseOwner: null,
    leaseUntil: null,
    version: { increment: 1 },
  };
}
