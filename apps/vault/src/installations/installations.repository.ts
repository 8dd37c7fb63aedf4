import { Injectable } from '@nestjs/common';
import { PrismaClient } from '@authpipe/prisma';
import {
  CREDENTIAL_COLUMNS,
  listQuery,
  reactivation,
  withTenantExternalId,
  type CredentialRecordBase,
  type ListFilter,
  type PageRequest,
} from '../credentials/credential-records';

export { CREDENTIAL_STATUSES, type CredentialStatus, type ListFilter } from '../credentials/credential-records';

/** The kinds of resource an installation can be bound to. */
export type ResourceKind = 'user_drive' | 'site' | 'drive';

/** Columns written when consent is granted (first time or again). */
export interface InstallationWrite {
  appId: string;
  provider: string;
  directoryId: string;
  cloud: string;
  resourceKind: ResourceKind | null;
  resourceDriveId: string | null;
  resourceSiteId: string | null;
  resourceUser: string | null;
  resourceWebUrl: string | null;
  scopes: string[];
  consentedAt: Date;
  consentedBy: string | null;
  expiresAt: Date | null;
  refreshAt: Date | null;
}

/** An installation row; `resourceKind` is read back as stored. */
export interface InstallationRecord extends CredentialRecordBase, Omit<InstallationWrite, 'resourceKind'> {
  resourceKind: string | null;
}

const columns = {
  ...CREDENTIAL_COLUMNS,
  directoryId: true,
  cloud: true,
  resourceKind: true,
  resourceDriveId: true,
  resourceSiteId: true,
  resourceUser: true,
  resourceWebUrl: true,
  consentedAt: true,
  consentedBy: true,
} as const;

type Row = Omit<InstallationRecord, 'tenantExternalId'> & { tenant: { externalId: string } };
const toRecord = (row: Row): InstallationRecord => withTenantExternalId(row);

/** `installations`. Reads take the project first; writes take project and tenant row. */
@Injectable()
export class InstallationsRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async find(projectId: string, id: string): Promise<InstallationRecord | null> {
    const row = await this.prisma.installation.findFirst({ where: { projectId, id }, select: columns });
    return row ? toRecord(row) : null;
  }

  /** The tenant's installation of a provider (at most one), by the tenant's row id. */
  async findForTenant(projectId: string, tenantRowId: string, provider: string): Promise<InstallationRecord | null> {
    const row = await this.prisma.installation.findFirst({
      where: { projectId, tenantId: tenantRowId, provider },
      select: columns,
    });
    return row ? toRecord(row) : null;
  }

  async list(projectId: string, filter: ListFilter, page: PageRequest): Promise<InstallationRecord[]> {
    const rows = await this.prisma.installation.findMany({ ...listQuery(projectId, filter, page), select: columns });
    return rows.map(toRecord);
  }

  async create(
    projectId: string,
    tenantRowId: string,
    id: string,
    data: InstallationWrite,
    at: Date,
  ): Promise<InstallationRecord> {
    const row = await this.prisma.installation.create({
      data: { id, projectId, tenantId: tenantRowId, ...data, status: 'active', statusChangedAt: at },
      select: columns,
    });
    return toRecord(row);
  }

  /** Replaces the consent of an existing installation in place (same id; see `reactivation`). */
  async replaceConsent(
    projectId: string,
    tenantRowId: string,
    id: string,
    data: InstallationWrite,
    at: Date,
  ): Promise<InstallationRecord | null> {
    const { count } = await this.prisma.installation.updateMany({
      where: { projectId, tenantId: tenantRowId, id },
      data: { ...data, ...reactivation(at) },
    });
    return count === 1 ? this.find(projectId, id) : null;
  }

  async delete(projectId: string, id: string): Promise<boolean> {
    const { count } = await this.prisma.installation.deleteMany({ where: { projectId, id } });
    return count === 1;
  }
}
