import { Injectable } from '@nestjs/common';
import { CredentialStore, type CredentialKind, type CredentialLifecycle } from '../credentials/credential-lifecycle';
import type { Tokens } from '../credentials/token-set';
import { asTenantExternalId, type TenantExternalId } from '../common/tenant-ids';
import { TenantResolver } from '../keys/tenant-resolver';
import { toInstallationDto, type InstallationDto, type ListCredentialsQuery, type PageDto } from './installation.dto';
import { InstallationsRepository, type InstallationRecord, type InstallationWrite } from './installations.repository';

/** What the admin-consent flow proved and fetched, to store as the tenant's installation. */
export interface ConsentResult extends InstallationWrite {
  projectId: string;
  /**
   * The project's id for the tenant (`org_acme`), named as in the API (benchmarks seed through
   * this type too); branded on the way in.
   */
  tenantId: string;
  /** The app-only access token that proved the consent. A secret: encrypted, never returned. */
  accessToken: string;
  /** The connect session that ran the flow, for the history. */
  sessionId: string | null;
}

const INSTALLATION: CredentialKind<InstallationRecord> = {
  recordType: 'installation',
  idPrefix: 'ins',
  historyKey: 'installationId',
  notFound: 'installation_not_found',
  snapshot: (r) => ({
    appId: r.appId,
    directoryId: r.directoryId,
    cloud: r.cloud,
    resourceKind: r.resourceKind,
    resourceDriveId: r.resourceDriveId,
    resourceSiteId: r.resourceSiteId,
    scopes: r.scopes,
    status: r.status,
    consentedAt: r.consentedAt.toISOString(),
    consentedBy: r.consentedBy,
  }),
  eventPayload: (r) => ({
    installationId: r.id,
    provider: r.provider,
    appId: r.appId,
    directoryId: r.directoryId,
    resourceKind: r.resourceKind,
  }),
};

/** Installations: listing for the API, and the write the admin-consent flow ends with. */
@Injectable()
export class InstallationsService {
  private readonly lifecycle: CredentialLifecycle<InstallationRecord, InstallationWrite>;

  constructor(
    private readonly installations: InstallationsRepository,
    private readonly tenants: TenantResolver,
    store: CredentialStore,
  ) {
    this.lifecycle = store.lifecycle(INSTALLATION, {
      find: (projectId, id) => installations.find(projectId, id),
      findCurrent: (projectId, tenantRowId, grant) =>
        installations.findForTenant(projectId, tenantRowId, grant.provider),
      list: (projectId, filter, page) => installations.list(projectId, filter, page),
      create: (projectId, tenantRowId, id, grant, at) => installations.create(projectId, tenantRowId, id, grant, at),
      replace: (projectId, tenantRowId, id, version, grant, at) =>
        installations.replaceConsent(projectId, tenantRowId, id, version, grant, at),
      delete: (projectId, id) => installations.delete(projectId, id),
    });
  }

  list(projectId: string, query: ListCredentialsQuery): Promise<PageDto<InstallationDto>> {
    return this.lifecycle.list(projectId, query, toInstallationDto);
  }

  async get(projectId: string, id: string): Promise<InstallationDto> {
    return toInstallationDto(await this.find(projectId, id));
  }

  /** The installation, or installation_not_found (also for another project's). */
  find(projectId: string, id: string): Promise<InstallationRecord> {
    return this.lifecycle.find(projectId, id);
  }

  /** The tenant's installation of a provider, or null. */
  async findForTenant(
    projectId: string,
    tenantExternalId: TenantExternalId,
    provider: string,
  ): Promise<InstallationRecord | null> {
    const tenant = await this.tenants.find(projectId, tenantExternalId);
    return tenant ? this.installations.findForTenant(projectId, tenant.tenantRowId, provider) : null;
  }

  /**
   * Another tenant's installation of the provider in `directoryId`, which stops this tenant from
   * installing the same directory unless the project allows sharing; null when there is none.
   */
  async findInDirectoryForOtherTenant(
    projectId: string,
    tenantExternalId: TenantExternalId,
    provider: string,
    directoryId: string,
  ): Promise<InstallationRecord | null> {
    const tenant = await this.tenants.find(projectId, tenantExternalId);
    return this.installations.findInDirectory(projectId, provider, directoryId, tenant?.tenantRowId ?? null);
  }

  /** Whether the project lets several of its tenants install the same Microsoft directory. */
  allowsSharedDirectories(projectId: string): Promise<boolean> {
    return this.installations.allowsSharedDirectories(projectId);
  }

  /**
   * Stores the outcome of an admin consent: creates the tenant's installation of the provider, or
   * re-authorizes the existing one in place (same id, history entry with its previous state).
   */
  async upsertFromConsent(
    result: ConsentResult,
    alsoInTransaction?: () => Promise<void>,
  ): Promise<{ installation: InstallationRecord; created: boolean }> {
    const { projectId, tenantId, accessToken, sessionId, ...grant } = result;
    const { record, created } = await this.lifecycle.upsert({
      alsoInTransaction,
      projectId,
      tenantExternalId: asTenantExternalId(tenantId),
      sessionId,
      tokens: { accessToken, refreshToken: null, expiresAt: grant.expiresAt ?? new Date(0), scopes: grant.scopes },
      grant,
    });
    return { installation: record, created };
  }

  /** The installation's token set (its app-only access token). Holds secrets: never log it. */
  readTokens(installation: InstallationRecord): Promise<Tokens | null> {
    return this.lifecycle.readTokens(installation);
  }

  /** Deletes the installation and its token; its connections stay, unlinked. */
  delete(projectId: string, id: string): Promise<void> {
    return this.lifecycle.delete(projectId, id);
  }
}
