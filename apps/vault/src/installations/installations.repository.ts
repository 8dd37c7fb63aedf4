import { Injectable } from '@nestjs/common';
import { PrismaClient } from '@authpipe/prisma';

/** Health of a credential (DESIGN.md, Health). */
export const CREDENTIAL_STATUSES = ['active', 'degraded', 'needs_reauth', 'revoked', 'misconfigured'] as const;
export type CredentialStatus = (typeof CREDENTIAL_STATUSES)[number];

/** The kinds of resource an installation can be bound to. */
export type ResourceKind = 'user_drive' | 'site' | 'drive';

export interface InstallationRecord {
  id: string;
  projectId: string;
  tenantId: string;
  tenantExternalId: string;
  appId: string;
  provider: string;
  directoryId: string;
  cloud: string;
  resourceKind: string | null;
  resourceDriveId: string | null;
  resourceSiteId: string | null;
  resourceUser: string | null;
  resourceWebUrl: string | null;
  scopes: string[];
  consentedAt: Date;
  consentedBy: string | null;
  status: string;
  statusAadsts: number | null;
  statusError: string | null;
  statusRemediation: string | null;
  statusChangedAt: Date | null;
  expiresAt: Date | null;
  refreshAt: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

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

export interface ListFilter {
  tenantExternalId?: string;
  provider?: string;
  status?: CredentialStatus;
}

const columns = {
  id: true,
  projectId: true,
  tenantId: true,
  appId: true,
  provider: true,
  directoryId: true,
  cloud: true,
  resourceKind: true,
  resourceDriveId: true,
  resourceSiteId: true,
  resourceUser: true,
  resourceWebUrl: true,
  scopes: true,
  consentedAt: true,
  consentedBy: true,
  status: true,
  statusAadsts: true,
  statusError: true,
  statusRemediation: true,
  statusChangedAt: true,
  expiresAt: true,
  refreshAt: true,
  version: true,
  createdAt: true,
  updatedAt: true,
  tenant: { select: { externalId: true } },
} as const;

type Row = Omit<InstallationRecord, 'tenantExternalId'> & { tenant: { externalId: string } };
const toRecord = ({ tenant, ...row }: Row): InstallationRecord => ({ ...row, tenantExternalId: tenant.externalId });

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

  async list(
    projectId: string,
    filter: ListFilter,
    page: { limit: number; after?: string },
  ): Promise<InstallationRecord[]> {
    const rows = await this.prisma.installation.findMany({
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
    data: InstallationWrite,
    at: Date,
  ): Promise<InstallationRecord> {
    const row = await this.prisma.installation.create({
      data: { id, projectId, tenantId: tenantRowId, ...data, status: 'active', statusChangedAt: at },
      select: columns,
    });
    return toRecord(row);
  }

  /**
   * Replaces the consent of an existing installation in place (same id): active again, errors
   * cleared, version bumped so an in-flight refresh of the old credential loses its CAS.
   */
  async replaceConsent(
    projectId: string,
    tenantRowId: string,
    id: string,
    data: InstallationWrite,
    at: Date,
  ): Promise<InstallationRecord | null> {
    const { count } = await this.prisma.installation.updateMany({
      where: { projectId, tenantId: tenantRowId, id },
      data: {
        ...data,
        status: 'active',
        statusAadsts: null,
        statusError: null,
        statusRemediation: null,
        statusChangedAt: at,
        failureCount: 0,
        leaseOwner: null,
        leaseUntil: null,
        version: { increment: 1 },
      },
    });
    return count === 1 ? this.find(projectId, id) : null;
  }

  async delete(projectId: string, id: string): Promise<boolean> {
    const { count } = await this.prisma.installation.deleteMany({ where: { projectId, id } });
    return count === 1;
  }
}
