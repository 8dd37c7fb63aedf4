import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '../database/unit-of-work';
import {
  CREDENTIAL_COLUMNS,
  listQuery,
  reactivation,
  withTenantExternalId,
  type CredentialRecordBase,
  type ListFilter,
  type PageRequest,
} from '../credentials/credential-records';

/** A connection row. */
export interface ConnectionRecord extends CredentialRecordBase {
  installationId: string | null;
  userId: string;
  oid: string;
  tid: string;
  upn: string | null;
  keepAliveAt: Date | null;
}

/** Columns written when a user authorizes (first time or again). */
export interface ConnectionWrite {
  appId: string;
  provider: string;
  installationId: string | null;
  oid: string;
  tid: string;
  upn: string | null;
  scopes: string[];
  expiresAt: Date;
  refreshAt: Date;
  keepAliveAt: Date;
}

const columns = {
  ...CREDENTIAL_COLUMNS,
  installationId: true,
  userId: true,
  oid: true,
  tid: true,
  upn: true,
  keepAliveAt: true,
} as const;

type Row = Omit<ConnectionRecord, 'tenantExternalId'> & { tenant: { externalId: string } };
const toRecord = (row: Row): ConnectionRecord => withTenantExternalId(row);

/** `connections`. Reads take the project first; writes take project and tenant row. */
@Injectable()
export class ConnectionsRepository {
  constructor(private readonly uow: UnitOfWork) {}

  async find(projectId: string, id: string): Promise<ConnectionRecord | null> {
    const row = await this.uow.db.connection.findFirst({ where: { projectId, id }, select: columns });
    return row ? toRecord(row) : null;
  }

  /** The connection of one user of a tenant for a provider (at most one), by the tenant's row id. */
  async findForUser(
    projectId: string,
    tenantRowId: string,
    provider: string,
    userId: string,
  ): Promise<ConnectionRecord | null> {
    const row = await this.uow.db.connection.findFirst({
      where: { projectId, tenantId: tenantRowId, provider, userId },
      select: columns,
    });
    return row ? toRecord(row) : null;
  }

  async list(projectId: string, filter: ListFilter, page: PageRequest): Promise<ConnectionRecord[]> {
    const rows = await this.uow.db.connection.findMany({ ...listQuery(projectId, filter, page), select: columns });
    return rows.map(toRecord);
  }

  async create(
    projectId: string,
    tenantRowId: string,
    id: string,
    userId: string,
    data: ConnectionWrite,
    at: Date,
  ): Promise<ConnectionRecord> {
    const row = await this.uow.db.connection.create({
      data: {
        id,
        projectId,
        tenantId: tenantRowId,
        userId,
        ...data,
        status: 'active',
        statusChangedAt: at,
        lastRefreshedAt: at,
      },
      select: columns,
    });
    return toRecord(row);
  }

  /**
   * Re-authorization in place (same id; see `reactivation`), only if the row is still at
   * `expectedVersion`; null when it moved on (or is gone).
   */
  async replaceAuthorization(
    projectId: string,
    tenantRowId: string,
    id: string,
    expectedVersion: number,
    data: ConnectionWrite,
    at: Date,
  ): Promise<ConnectionRecord | null> {
    const { count } = await this.uow.db.connection.updateMany({
      where: { projectId, tenantId: tenantRowId, id, version: expectedVersion },
      data: { ...data, ...reactivation(at), lastRefreshedAt: at },
    });
    return count === 1 ? this.find(projectId, id) : null;
  }

  async delete(projectId: string, id: string): Promise<boolean> {
    const { count } = await this.uow.db.connection.deleteMany({ where: { projectId, id } });
    return count === 1;
  }
}
