import type { Prisma } from '@authpipe/prisma';
import { Injectable } from '@nestjs/common';
import type { TenantRowId } from '../common/tenant-ids';
import { UnitOfWork } from '../database/unit-of-work';
import { CREDENTIAL_COLUMNS, CredentialTable, type CredentialRecordBase } from '../credentials/credential-records';

export { CREDENTIAL_STATUSES, type CredentialStatus, type ListFilter } from '../credentials/credential-records';

/** The kinds of resource an installation can be bound to. */
export type ResourceKind = 'user_drive' | 'site' | 'drive';

/**
 * The directory is already installed for another tenant of the project (its `directory_claims`
 * row is taken): raised inside the write's transaction, so nothing of the installation remains.
 */
export class DirectoryAlreadyInstalledError extends Error {
  readonly code = 'directory_already_installed';
  constructor() {
    super('The directory is already installed for another tenant of this project.');
    this.name = 'DirectoryAlreadyInstalledError';
  }
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
  /** Claim the directory for this tenant alone (`directory_claims`); false when the project allows sharing. */
  exclusiveDirectory: boolean;
}

/** An installation row; `resourceKind` is read back as stored. */
export interface InstallationRecord
  extends CredentialRecordBase, Omit<InstallationWrite, 'resourceKind' | 'exclusiveDirectory'> {
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

type InstallationRow = Prisma.InstallationGetPayload<{ select: typeof columns }>;
/** The columns a consent writes on the row (the directory claim is not one). */
type InstallationColumns = Omit<InstallationWrite, 'exclusiveDirectory'>;

/** `installations`. Reads take the project first; writes take project and tenant row. */
@Injectable()
export class InstallationsRepository extends CredentialTable<typeof columns, InstallationRow, InstallationColumns> {
  constructor(uow: UnitOfWork) {
    super(uow, (db) => db.installation, columns);
  }

  /** The tenant's installation of a provider (at most one), by the tenant's row id. */
  findForTenant(projectId: string, tenantRowId: TenantRowId, provider: string): Promise<InstallationRecord | null> {
    return this.findFirst({ projectId, tenantId: tenantRowId, provider });
  }

  /**
   * The oldest installation of the provider bound to `directoryId` that belongs to another tenant
   * than `exceptTenantRowId` (any tenant when null), or null.
   */
  findInDirectory(
    projectId: string,
    provider: string,
    directoryId: string,
    exceptTenantRowId: TenantRowId | null,
  ): Promise<InstallationRecord | null> {
    return this.findFirst(
      {
        projectId,
        provider,
        directoryId: directoryId.toLowerCase(),
        ...(exceptTenantRowId !== null ? { NOT: { tenantId: exceptTenantRowId } } : {}),
      },
      true,
    );
  }

  /**
   * Creates the installation and, when exclusive, its directory claim (in the caller's unit of
   * work: the claim commits with the row or not at all).
   *
   * @throws DirectoryAlreadyInstalledError when another installation holds the directory's claim.
   */
  async create(
    projectId: string,
    tenantRowId: TenantRowId,
    id: string,
    write: InstallationWrite,
    at: Date,
  ): Promise<InstallationRecord> {
    const { exclusiveDirectory, ...data } = write;
    const created = await this.insert(projectId, tenantRowId, id, data, at);
    if (exclusiveDirectory) await this.claimDirectory(projectId, data.provider, data.directoryId, id, at);
    return created;
  }

  /**
   * Replaces the consent of an existing installation in place (same id; see `reactivation`), only
   * if the row is still at `expectedVersion`; null when it moved on (or is gone).
   */
  async replaceConsent(
    projectId: string,
    tenantRowId: TenantRowId,
    id: string,
    expectedVersion: number,
    write: InstallationWrite,
    at: Date,
  ): Promise<InstallationRecord | null> {
    const { exclusiveDirectory, ...data } = write;
    if (!(await this.regrant(projectId, tenantRowId, id, expectedVersion, data, at))) return null;
    if (exclusiveDirectory) await this.claimDirectory(projectId, data.provider, data.directoryId, id, at);
    return this.find(projectId, id);
  }

  /** Whether the project lets several of its tenants install the same directory. */
  async allowsSharedDirectories(projectId: string): Promise<boolean> {
    const project = await this.uow.db.project.findUnique({
      where: { id: projectId },
      select: { allowSharedDirectories: true },
    });
    return project?.allowSharedDirectories ?? false;
  }

  /**
   * Claims `directoryId` for installation `id`, keeping a claim it already holds. The insert skips
   * a taken key instead of failing, so a concurrent claim waits for the other transaction and then
   * sees its row: the loser raises inside its own unit of work, which rolls its installation back.
   */
  private async claimDirectory(
    projectId: string,
    provider: string,
    directoryId: string,
    id: string,
    at: Date,
  ): Promise<void> {
    const key = { projectId, provider, directoryId: directoryId.toLowerCase() };
    const { count } = await this.uow.db.directoryClaim.createMany({
      data: [{ ...key, installationId: id, createdAt: at }],
      skipDuplicates: true,
    });
    if (count === 1) return;
    const holder = await this.uow.db.directoryClaim.findUnique({
      where: { projectId_provider_directoryId: key },
      select: { installationId: true },
    });
    if (holder?.installationId !== id) throw new DirectoryAlreadyInstalledError();
  }
}
