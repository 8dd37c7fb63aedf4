/**
 * What the installations and connections tables have in common, for their repositories: health
 * columns, tenant join, list filters and the reset of a credential re-authorized in place.
 */

/** Health of a credential (see refresh/failure-status.ts): the contract's one list. */
import type { CredentialStatus } from '@authpipe/contract';
import { asTenantExternalId, asTenantRowId, type TenantExternalId, type TenantRowId } from '../common/tenant-ids';
export { CREDENTIAL_STATUSES, type CredentialStatus } from '@authpipe/contract';

/** Filters of GET /v1/installations and /v1/connections. */
export interface ListFilter {
  tenantExternalId?: TenantExternalId;
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
  tenantRowId: TenantRowId;
  /** The project's id for the tenant (`org_acme`). */
  tenantExternalId: TenantExternalId;
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

/** A row read with {@link CREDENTIAL_COLUMNS}, as a record naming its tenant by both of its ids. */
export function withTenantIds<R extends { tenantId: string; tenant: { externalId: string } }>({
  tenantId,
  tenant,
  ...row
}: R): Omit<R, 'tenantId' | 'tenant'> & { tenantRowId: TenantRowId; tenantExternalId: TenantExternalId } {
  return { ...row, tenantRowId: asTenantRowId(tenantId), tenantExternalId: asTenantExternalId(tenant.externalId) };
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

/** Columns of a credential row a first grant creates (besides its own): active from `at`. */
export function grantedRow(projectId: string, tenantRowId: TenantRowId, id: string, at: Date) {
  return { id, projectId, tenantId: tenantRowId, status: 'active', statusChangedAt: at, lastRefreshedAt: at };
}

/** `where` of a write to the tenant's credential `id` conditional on the version it read (its compare-and-set). */
export function atVersion(projectId: string, tenantRowId: TenantRowId, id: string, expectedVersion: number) {
  return { projectId, tenantId: tenantRowId, id, version: expectedVersion };
}

/**
 * Columns set when a credential is granted again in place (same id): active, errors cleared,
 * lease dropped, version bumped so an in-flight refresh of the old credential loses its CAS.
 */
export function reactivation(at: Date) {
  return {
    lastRefreshedAt: at,
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
