import { Injectable } from '@nestjs/common';
import { PrismaClient } from '@authpipe/prisma';
import type { ListFilter } from '../installations/installations.repository';

export interface ConnectionRecord {
  id: string;
  projectId: string;
  tenantId: string;
  tenantExternalId: string;
  installationId: string | null;
  appId: string;
  provider: string;
  userId: string;
  oid: string;
  tid: string;
  upn: string | null;
  scopes: string[];
  status: string;
  statusAadsts: number | null;
  statusError: string | null;
  statusRemediation: string | null;
  statusChangedAt: Date | null;
  expiresAt: Date | null;
  refreshAt: Date | null;
  keepAliveAt: Date | null;
  lastRefreshedAt: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
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
  id: true,
  projectId: true,
  tenantId: true,
  installationId: true,
  appId: true,
  provider: true,
  userId: true,
  oid: true,
  tid: true,
  upn: true,
  scopes: true,
  status: true,
  statusAadsts: true,
  statusError: true,
  statusRemediation: true,
  statusChangedAt: true,
  expiresAt: true,
  refreshAt: true,
  keepAliveAt: true,
  lastRefreshedAt: true,
  version: true,
  createdAt: true,
  updatedAt: true,
  tenant: { select: { externalId: true } },
} as const;

type Row = Omit<ConnectionRecord, 'tenantExternalId'> & { tenant: { externalId: string } };
const toRecord = ({ tenant, ...row }: Row): ConnectionRecord => ({ ...row, tenantExternalId: tenant.externalId });

/** `connections`. Reads take the project first; writes take project and tenant row. */
@Injectable()
export class ConnectionsRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async find(projectId: string, id: string): Promise<ConnectionRecord | null> {
    const row = await this.prisma.connection.findFirst({ where: { projectId, id }, select: columns });
    return row ? toRecord(row) : null;
  }

  /** The connection of one user of a tenant for a provider (at most one), by the tenant's row id. */
  async findForUser(
    projectId: string,
    tenantRowId: string,
    provider: string,
    userId: string,
  ): Promise<ConnectionRecord | null> {
    const row = await this.prisma.connection.findFirst({
      where: { projectId, tenantId: tenantRowId, provider, userId },
      select: columns,
    });
    return row ? toRecord(row) : null;
  }

  async list(
    projectId: string,
    filter: ListFilter,
    page: { limit: number; after?: string },
  ): Promise<ConnectionRecord[]> {
    const rows = await this.prisma.connection.findMany({
      where: {
        projectId,
        ...(filter.tenantExternalId !== undefined
          ? { tenant: { is: { projectId, externalId: filter.tenantExternalId } } }
          : {}),
        ...(filter.provider !== undefined ? { provider: filter.provider } : {}),
        ...(filter.status !== undefined ? { status: filter.status } : {}),
        ...(page.after !== undefined ? { id: { gt: page.after } } : {}),
      },
      orderBy: { id: 'asc' },
      take: page.limit,
      select: columns,
    });
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
    const row = await this.prisma.connection.create({
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

  /** Re-authorization in place (same id): active again, errors cleared, version bumped for CAS. */
  async replaceAuthorization(
    projectId: string,
    tenantRowId: string,
    id: string,
    data: ConnectionWrite,
    at: Date,
  ): Promise<ConnectionRecord | null> {
    const { count } = await this.prisma.connection.updateMany({
      where: { projectId, tenantId: tenantRowId, id },
      data: {
        ...data,
        status: 'active',
        statusAadsts: null,
        statusError: null,
        statusRemediation: null,
        statusChangedAt: at,
        lastRefreshedAt: at,
        failureCount: 0,
        leaseOwner: null,
        leaseUntil: null,
        version: { increment: 1 },
      },
    });
    return count === 1 ? this.find(projectId, id) : null;
  }

  async delete(projectId: string, id: string): Promise<boolean> {
    const { count } = await this.prisma.connection.deleteMany({ where: { projectId, id } });
    return count === 1;
  }
}
