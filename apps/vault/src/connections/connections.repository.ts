import type { Prisma } from '@authpipe/prisma';
import { Injectable } from '@nestjs/common';
import type { TenantRowId } from '../common/tenant-ids';
import { UnitOfWork } from '../database/unit-of-work';
import { CREDENTIAL_COLUMNS, CredentialTable, type CredentialRecordBase } from '../credentials/credential-records';

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

type ConnectionRow = Prisma.ConnectionGetPayload<{ select: typeof columns }>;

/** `connections`. Reads take the project first; writes take project and tenant row. */
@Injectable()
export class ConnectionsRepository extends CredentialTable<
  typeof columns,
  ConnectionRow,
  ConnectionWrite,
  ConnectionWrite & { userId: string }
> {
  constructor(uow: UnitOfWork) {
    super(uow, (db) => db.connection, columns);
  }

  /** The connection of one user of a tenant for a provider (at most one), by the tenant's row id. */
  findForUser(
    projectId: string,
    tenantRowId: TenantRowId,
    provider: string,
    userId: string,
  ): Promise<ConnectionRecord | null> {
    return this.findFirst({ projectId, tenantId: tenantRowId, provider, userId });
  }

  create(
    projectId: string,
    tenantRowId: TenantRowId,
    id: string,
    userId: string,
    data: ConnectionWrite,
    at: Date,
  ): Promise<ConnectionRecord> {
    return this.insert(projectId, tenantRowId, id, { userId, ...data }, at);
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
    const replaced = await this.regrant(projectId, tenantRowId, id, expectedVersion, data, at);
    return replaced ? this.find(projectId, id) : null;
  }
}
