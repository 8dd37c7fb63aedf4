/**
 * What the installations and connections tables have in common, for their repositories: health
 * columns, tenant join, list filters and the reset of a credential re-authorized in place.
 */

/** Health of a credential (see refresh/failure-status.ts): the contract's one list. */
import type { CredentialStatus } from '@authpipe/contract';
import type { Prisma } from '@authpipe/prisma';
import {
  asTenantExternalId,
  asTenantRowId,
  type TenantExternalId,
  type TenantOwned,
  type TenantRowId,
} from '../common/tenant-ids';
import type { Db, UnitOfWork } from '../database/unit-of-work';
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
export interface CredentialRecordBase extends TenantOwned {
  id: string;
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

/** A row as read with {@link CREDENTIAL_COLUMNS}: the tenant by its row id, with its external id joined. */
interface JoinedRow {
  tenantId: string;
  tenant: { externalId: string };
}

/** A row read with {@link CREDENTIAL_COLUMNS}, as a record naming its tenant by both of its ids. */
export type WithTenantIds<R extends JoinedRow> = Omit<R, 'tenantId' | 'tenant'> & {
  tenantRowId: TenantRowId;
  tenantExternalId: TenantExternalId;
};

/** A row read with {@link CREDENTIAL_COLUMNS}, as a record naming its tenant by both of its ids. */
export function withTenantIds<R extends JoinedRow>({ tenantId, tenant, ...row }: R): WithTenantIds<R> {
  return { ...row, tenantRowId: asTenantRowId(tenantId), tenantExternalId: asTenantExternalId(tenant.externalId) };
}

/** A `where` both credential tables understand, so a shared query is checked against each. */
type CredentialWhere = Prisma.InstallationWhereInput & Prisma.ConnectionWhereInput;
/** A `where` that names the project: no shared read can leave it out. */
type ProjectWhere = CredentialWhere & { projectId: string };

/**
 * The calls of a credential table's Prisma delegate (`db.installation`, `db.connection`) that
 * {@link CredentialTable} makes, reading with the table's `select` `S` into rows `Row`, creating
 * with columns `C` and re-granting with columns `W`. Both delegates satisfy it as they are, no cast: function-typed
 * members make the compiler check each argument against the table's own Prisma types and each
 * `Row` against what its `select` yields.
 */
export interface CredentialDelegate<S, Row extends JoinedRow, W, C> {
  create: (args: { data: C & Granted; select: S }) => PromiseLike<Row>;
  findFirst: (args: { where: CredentialWhere; select: S; orderBy?: OldestFirst }) => PromiseLike<Row | null>;
  findMany: (args: { where: CredentialWhere; select: S; orderBy: { id: 'asc' }; take: number }) => PromiseLike<Row[]>;
  updateMany: (args: { where: CredentialWhere; data: W & Regrant }) => PromiseLike<{ count: number }>;
  deleteMany: (args: { where: CredentialWhere }) => PromiseLike<{ count: number }>;
}

type OldestFirst = [{ createdAt: 'asc' }, { id: 'asc' }];
type Regrant = ReturnType<typeof reactivation>;
type Granted = ReturnType<typeof grantedRow>;

/**
 * What the installations and connections repositories do alike, over the delegate `table` picks
 * from the unit of work's client (so every call joins the ambient transaction): find by id, find
 * by a table's own key, list a page, create, re-grant in place under the version compare-and-set, delete.
 * Each repository extends it with its own columns and its table's own queries.
 */
export abstract class CredentialTable<S, Row extends JoinedRow, W, C = W> {
  protected constructor(
    protected readonly uow: UnitOfWork,
    private readonly table: (db: Db) => CredentialDelegate<S, Row, W, C>,
    private readonly select: S,
  ) {}

  async find(projectId: string, id: string): Promise<WithTenantIds<Row> | null> {
    return this.findFirst({ projectId, id });
  }

  async list(projectId: string, filter: ListFilter, page: PageRequest): Promise<WithTenantIds<Row>[]> {
    const rows = await this.table(this.uow.db).findMany({ ...listQuery(projectId, filter, page), select: this.select });
    return rows.map(withTenantIds);
  }

  async delete(projectId: string, id: string): Promise<boolean> {
    const { count } = await this.table(this.uow.db).deleteMany({ where: { projectId, id } });
    return count === 1;
  }

  /** Creates the credential's row with columns `data`, active from `at` (see {@link grantedRow}). */
  protected async insert(
    projectId: string,
    tenantRowId: TenantRowId,
    id: string,
    data: C,
    at: Date,
  ): Promise<WithTenantIds<Row>> {
    const row = await this.table(this.uow.db).create({
      data: { ...grantedRow(projectId, tenantRowId, id, at), ...data },
      select: this.select,
    });
    return withTenantIds(row);
  }

  /** The first row of the project matching `where`, oldest first when `oldestFirst`. */
  protected async findFirst(where: ProjectWhere, oldestFirst = false): Promise<WithTenantIds<Row> | null> {
    const row = await this.table(this.uow.db).findFirst({
      where,
      select: this.select,
      ...(oldestFirst ? { orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] satisfies OldestFirst } : {}),
    });
    return row && withTenantIds(row);
  }

  /**
   * Grants the credential again in place (same id; see {@link reactivation}) with `data`, only if
   * its row is still at `expectedVersion`: whether it was (false when it moved on, or is gone).
   */
  protected async regrant(
    projectId: string,
    tenantRowId: TenantRowId,
    id: string,
    expectedVersion: number,
    data: W,
    at: Date,
  ): Promise<boolean> {
    const { count } = await this.table(this.uow.db).updateMany({
      where: atVersion(projectId, tenantRowId, id, expectedVersion),
      data: { ...data, ...reactivation(at) },
    });
    return count === 1;
  }
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
