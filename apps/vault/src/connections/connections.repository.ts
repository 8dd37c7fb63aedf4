import { Injectable } from '@nestjs/common';
import type { TenantRowId } from '../common/tenant-ids';
import { UnitOfWork } from '../database/unit-of-work';
import {
  CREDENTIAL_COLUMNS,
  atVersion,
  grantedRow,
  listQuery,
  reactivation,
  withTenantIds,
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

/** `connections`. Reads take the project first; writes take project and tenant row. */
@Injectable()
export class ConnectionsRepository {
  constructor(private readonly uow: UnitOfWork) {}

  async find(projectId: string, id: string): Promise<ConnectionRecord | null> {
    const row = await this.uow.db.connection.findFirst({ where: { projectId, id }, select: columns });
    return row && withTenantIds(row);
  }

  /** The connection of one user of a tenant for a provider (at most one), by the tenant's row id. */
  async findForUser(
    projectId: string,
    tenantRowId: TenantRowId,
    provider: string,
    userId: string,
  ): Promise<ConnectionRecord | null> {
    const row = await this.uow.db.connection.findFirst({
      where: { projectId, tenantId: tenantRowId, provider, userId },
      select: columns,
    });
    return row && withTenantIds(row);
  }

  async list(projectId: string, filter: ListFilter, page: PageRequest): Promise<ConnectionRecord[]> {
    const rows = await this.uow.db.connection.findMany({ ...listQuery(projectId, filter, page), select: columns });
    return rows.map(withTenantIds);
  }

  async create(
    projectId: string,
    tenantRowId: TenantRowId,
    id: string,
    userId: string,
    data: ConnectionWrite,
    at: Date,
  ): Promise<ConnectionRecord> {
    const row = await this.uow.db.connection.create({
      data: { ...grantedRow(projectId, tenantRowId, id, at), userId, ...data },
      select: columns,
    });
    return withTenantIds(row);
  }

  /**
   * Re-authorization in place (same id; see `reactivation`), only if the row is still at
   * `expectedVersion`; null when it moved on (or is gone).
   */
  async replaceAuthorization(
    projectId: string,
    tenantRowId: TenantRowId,
    id: string,
    expectedVersion: number,
    data: ConnectionWrite,
    at: Date,
  ): Promise<ConnectionRecord | null> {
    const { count } = await this.uow.db.connection.updateMany({
      where: atVersion(projectId, tenantRowId, id, expectedVersion),
      data: { ...data, ...reactivation(at) },
    });
    return count === 1 ? this.find(projectId, id) : null;
  }

  async delete(projectId: string, id: string): Promise<boolean> {
    const { count } = await this.uow.db.connection.deleteMany({ where: { projectId, id } });
    return count === 1;
  }
}
