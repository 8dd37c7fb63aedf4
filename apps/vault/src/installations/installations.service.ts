import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { decodeCursor, encodeCursor } from '../common/cursor';
import { EventsService } from '../events/events.service';
import { newSortableId } from '../events/sortable-id';
import { TenantKeysRepository } from '../keys/tenant-keys.repository';
import { FlowError } from '../providers/flow-errors';
import { SecretsService } from '../secrets/secrets.service';
import { CredentialHistoryRepository } from './credential-history.repository';
import { toInstallationDto, type InstallationDto, type ListCredentialsQuery, type PageDto } from './installation.dto';
import { isUniqueViolation } from './unique-violation';
import { InstallationsRepository, type InstallationRecord, type InstallationWrite } from './installations.repository';

/** Where an installation's app-only access token is kept (tenant-scoped secret). */
export const INSTALLATION_TOKEN_REF = (id: string) => ({
  recordType: 'installation',
  recordId: id,
  field: 'accessToken',
});

/** What the admin-consent flow proved and fetched, to store as the tenant's installation. */
export interface ConsentResult extends InstallationWrite {
  projectId: string;
  /** The project's id for the tenant (`org_acme`). */
  tenantId: string;
  /** The app-only access token that proved the consent. A secret: encrypted, never returned. */
  accessToken: string;
  /** The connect session that ran the flow, for the history. */
  sessionId: string | null;
}

/** Installations: listing for the API, and the write the admin-consent flow ends with. */
@Injectable()
export class InstallationsService {
  constructor(
    private readonly installations: InstallationsRepository,
    private readonly history: CredentialHistoryRepository,
    private readonly tenants: TenantKeysRepository,
    private readonly secrets: SecretsService,
    private readonly events: EventsService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async list(projectId: string, query: ListCredentialsQuery): Promise<PageDto<InstallationDto>> {
    const after = query.cursor !== undefined ? decodeCursor(query.cursor) : undefined;
    const rows = await this.installations.list(
      projectId,
      { tenantExternalId: query.tenantId, provider: query.provider, status: query.status },
      { limit: query.limit + 1, after },
    );
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      data: page.map(toInstallationDto),
      nextCursor: rows.length > query.limit && last ? encodeCursor(last.id) : null,
    };
  }

  async get(projectId: string, id: string): Promise<InstallationDto> {
    return toInstallationDto(await this.find(projectId, id));
  }

  /** The installation, or installation_not_found (also for another project's). */
  async find(projectId: string, id: string): Promise<InstallationRecord> {
    const row = await this.installations.find(projectId, id);
    if (!row) throw FlowError.missing('installation_not_found', 'installation in this project');
    return row;
  }

  /** The tenant's installation of a provider, or null; `tenantId` is the project's id for the tenant. */
  async findForTenant(projectId: string, tenantId: string, provider: string): Promise<InstallationRecord | null> {
    const tenant = await this.tenants.findTenant(projectId, tenantId);
    return tenant ? this.installations.findForTenant(projectId, tenant.id, provider) : null;
  }

  /**
   * Stores the outcome of an admin consent: creates the tenant's installation of the provider, or
   * re-authorizes the existing one in place (same id, history entry with its previous state).
   * The token is written before the row so a failure never leaves a row without its credential.
   */
  async upsertFromConsent(result: ConsentResult): Promise<{ installation: InstallationRecord; created: boolean }> {
    const now = new Date(this.clock());
    const tenant = await this.tenants.ensureTenant(result.projectId, result.tenantId);
    const existing = await this.installations.findForTenant(result.projectId, tenant.id, result.provider);
    if (existing) return { installation: await this.reauthorize(result, tenant.id, existing, now), created: false };
    const scope = { projectId: result.projectId, tenantId: result.tenantId };
    const { projectId, tenantId: _external, accessToken, sessionId, ...write } = result;
    const id = newSortableId('ins', now.getTime());
    await this.secrets.put(scope, INSTALLATION_TOKEN_REF(id), accessToken);
    let created: InstallationRecord;
    try {
      created = await this.installations.create(projectId, tenant.id, id, write, now);
    } catch (error) {
      await this.secrets.deleteRecord(scope, INSTALLATION_TOKEN_REF(id).recordType, id);
      // Two consents for the same tenant raced and the other row won: this one re-authorizes it.
      const winner = isUniqueViolation(error)
        ? await this.installations.findForTenant(projectId, tenant.id, write.provider)
        : null;
      if (!winner) throw error;
      return { installation: await this.reauthorize(result, tenant.id, winner, now), created: false };
    }
    await this.history.append(projectId, tenant.id, { installationId: id, action: 'created', sessionId }, now);
    await this.events.append(projectId, result.tenantId, 'installation.created', eventPayload(created));
    return { installation: created, created: true };
  }

  private async reauthorize(
    result: ConsentResult,
    tenantRowId: string,
    existing: InstallationRecord,
    now: Date,
  ): Promise<InstallationRecord> {
    const { projectId, tenantId, accessToken, sessionId, ...write } = result;
    await this.secrets.put({ projectId, tenantId }, INSTALLATION_TOKEN_REF(existing.id), accessToken);
    const updated = await this.installations.replaceConsent(projectId, tenantRowId, existing.id, write, now);
    if (!updated) throw FlowError.missing('installation_not_found', 'installation in this project');
    await this.history.append(
      projectId,
      tenantRowId,
      { installationId: existing.id, action: 'reauthorized', sessionId, previous: snapshot(existing) },
      now,
    );
    await this.events.append(projectId, tenantId, 'installation.reauthorized', eventPayload(updated));
    return updated;
  }

  /** Deletes the installation and its token; its connections stay, unlinked. */
  async delete(projectId: string, id: string): Promise<void> {
    const row = await this.find(projectId, id);
    const now = new Date(this.clock());
    if (!(await this.installations.delete(projectId, id)))
      throw FlowError.missing('installation_not_found', 'installation in this project');
    await this.secrets.deleteRecord({ projectId, tenantId: row.tenantExternalId }, 'installation', id);
    await this.history.append(
      projectId,
      row.tenantId,
      { installationId: id, action: 'deleted', previous: snapshot(row) },
      now,
    );
    await this.events.append(projectId, row.tenantExternalId, 'installation.deleted', eventPayload(row));
  }
}

function snapshot(r: InstallationRecord): Record<string, string | string[] | null> {
  return {
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
  };
}

function eventPayload(r: InstallationRecord): Record<string, string | null> {
  return {
    installationId: r.id,
    provider: r.provider,
    appId: r.appId,
    directoryId: r.directoryId,
    resourceKind: r.resourceKind,
  };
}
