import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { decodeCursor, encodeCursor } from '../common/cursor';
import { EventsService } from '../events/events.service';
import { newSortableId } from '../events/sortable-id';
import { CredentialHistoryRepository } from '../installations/credential-history.repository';
import type { ListCredentialsQuery, PageDto } from '../installations/installation.dto';
import { TenantKeysRepository } from '../keys/tenant-keys.repository';
import { FlowError } from '../providers/flow-errors';
import { SecretsService } from '../secrets/secrets.service';
import { toConnectionDto, type ConnectionDto } from './connection.dto';
import { isUniqueViolation } from '../installations/unique-violation';
import { ConnectionsRepository, type ConnectionRecord, type ConnectionWrite } from './connections.repository';

/** Where a connection's tokens are kept (tenant-scoped secrets). */
export const CONNECTION_TOKEN_REFS = (id: string) => ({
  accessToken: { recordType: 'connection', recordId: id, field: 'accessToken' },
  refreshToken: { recordType: 'connection', recordId: id, field: 'refreshToken' },
});

/** What the user flow redeemed and verified, to store as the user's connection. */
export interface AuthorizationResult extends ConnectionWrite {
  projectId: string;
  /** The project's id for the tenant (`org_acme`). */
  tenantId: string;
  /** The project's id for the user (`user_123`). */
  userId: string;
  /** Secrets: encrypted, never returned. */
  accessToken: string;
  refreshToken: string;
  sessionId: string | null;
}

/** Connections: listing for the API, and the write the user flow ends with. */
@Injectable()
export class ConnectionsService {
  constructor(
    private readonly connections: ConnectionsRepository,
    private readonly history: CredentialHistoryRepository,
    private readonly tenants: TenantKeysRepository,
    private readonly secrets: SecretsService,
    private readonly events: EventsService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async list(projectId: string, query: ListCredentialsQuery): Promise<PageDto<ConnectionDto>> {
    const after = query.cursor !== undefined ? decodeCursor(query.cursor) : undefined;
    const rows = await this.connections.list(
      projectId,
      { tenantExternalId: query.tenantId, provider: query.provider, status: query.status },
      { limit: query.limit + 1, after },
    );
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      data: page.map(toConnectionDto),
      nextCursor: rows.length > query.limit && last ? encodeCursor(last.id) : null,
    };
  }

  async get(projectId: string, id: string): Promise<ConnectionDto> {
    return toConnectionDto(await this.find(projectId, id));
  }

  /** The connection, or connection_not_found (also for another project's). */
  async find(projectId: string, id: string): Promise<ConnectionRecord> {
    const row = await this.connections.find(projectId, id);
    if (!row) throw FlowError.missing('connection_not_found', 'connection in this project');
    return row;
  }

  /** The user's connection of a provider, or null; tenant and user are the project's own ids. */
  async findForUser(
    projectId: string,
    tenantId: string,
    provider: string,
    userId: string,
  ): Promise<ConnectionRecord | null> {
    const tenant = await this.tenants.findTenant(projectId, tenantId);
    return tenant ? this.connections.findForUser(projectId, tenant.id, provider, userId) : null;
  }

  /**
   * Stores the outcome of a user authorization: creates the user's connection, or re-authorizes
   * the existing one in place (same id; history keeps the previous account and scopes). Tokens are
   * written before the row so a failure never leaves a row without its credential.
   */
  async upsertFromCode(result: AuthorizationResult): Promise<{ connection: ConnectionRecord; created: boolean }> {
    const now = new Date(this.clock());
    const tenant = await this.tenants.ensureTenant(result.projectId, result.tenantId);
    const existing = await this.connections.findForUser(result.projectId, tenant.id, result.provider, result.userId);
    if (existing) return { connection: await this.reauthorize(result, tenant.id, existing, now), created: false };
    const scope = { projectId: result.projectId, tenantId: result.tenantId };
    const { projectId, tenantId: _external, userId, accessToken, refreshToken, sessionId, ...write } = result;
    const id = newSortableId('con', now.getTime());
    await this.putTokens(scope, id, accessToken, refreshToken);
    let created: ConnectionRecord;
    try {
      created = await this.connections.create(projectId, tenant.id, id, userId, write, now);
    } catch (error) {
      await this.secrets.deleteRecord(scope, 'connection', id);
      // Two authorizations of the same user raced and the other row won: this one re-authorizes it.
      const winner = isUniqueViolation(error)
        ? await this.connections.findForUser(projectId, tenant.id, write.provider, userId)
        : null;
      if (!winner) throw error;
      return { connection: await this.reauthorize(result, tenant.id, winner, now), created: false };
    }
    await this.history.append(projectId, tenant.id, { connectionId: id, action: 'created', sessionId }, now);
    await this.events.append(projectId, result.tenantId, 'connection.created', eventPayload(created));
    return { connection: created, created: true };
  }

  private async reauthorize(
    result: AuthorizationResult,
    tenantRowId: string,
    existing: ConnectionRecord,
    now: Date,
  ): Promise<ConnectionRecord> {
    const { projectId, tenantId, userId: _user, accessToken, refreshToken, sessionId, ...write } = result;
    await this.putTokens({ projectId, tenantId }, existing.id, accessToken, refreshToken);
    const updated = await this.connections.replaceAuthorization(projectId, tenantRowId, existing.id, write, now);
    if (!updated) throw FlowError.missing('connection_not_found', 'connection in this project');
    await this.history.append(
      projectId,
      tenantRowId,
      { connectionId: existing.id, action: 'reauthorized', sessionId, previous: snapshot(existing) },
      now,
    );
    await this.events.append(projectId, tenantId, 'connection.reauthorized', eventPayload(updated));
    return updated;
  }

  private async putTokens(
    scope: { projectId: string; tenantId: string },
    id: string,
    accessToken: string,
    refreshToken: string,
  ): Promise<void> {
    const refs = CONNECTION_TOKEN_REFS(id);
    await this.secrets.put(scope, refs.accessToken, accessToken);
    await this.secrets.put(scope, refs.refreshToken, refreshToken);
  }

  /** Deletes the connection and its tokens. */
  async delete(projectId: string, id: string): Promise<void> {
    const row = await this.find(projectId, id);
    const now = new Date(this.clock());
    if (!(await this.connections.delete(projectId, id)))
      throw FlowError.missing('connection_not_found', 'connection in this project');
    await this.secrets.deleteRecord({ projectId, tenantId: row.tenantExternalId }, 'connection', id);
    await this.history.append(
      projectId,
      row.tenantId,
      { connectionId: id, action: 'deleted', previous: snapshot(row) },
      now,
    );
    await this.events.append(projectId, row.tenantExternalId, 'connection.deleted', eventPayload(row));
  }
}

function snapshot(r: ConnectionRecord): Record<string, string | string[] | null> {
  return {
    appId: r.appId,
    installationId: r.installationId,
    oid: r.oid,
    tid: r.tid,
    upn: r.upn,
    scopes: r.scopes,
    status: r.status,
  };
}

function eventPayload(r: ConnectionRecord): Record<string, string | null> {
  return {
    connectionId: r.id,
    provider: r.provider,
    appId: r.appId,
    userId: r.userId,
    installationId: r.installationId,
    tid: r.tid,
  };
}
