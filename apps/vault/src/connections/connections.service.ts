import { Injectable } from '@nestjs/common';
import { CredentialStore, type CredentialKind, type CredentialLifecycle } from '../credentials/credential-lifecycle';
import type { Tokens } from '../credentials/token-set';
import type { ListCredentialsQuery, PageDto } from '../installations/installation.dto';
import { asTenantExternalId, type TenantExternalId } from '../common/tenant-ids';
import { TenantResolver } from '../keys/tenant-resolver';
import { toConnectionDto, type ConnectionDto } from './connection.dto';
import { ConnectionsRepository, type ConnectionRecord, type ConnectionWrite } from './connections.repository';

/** What the user flow redeemed and verified, to store as the user's connection. */
export interface AuthorizationResult extends ConnectionWrite {
  projectId: string;
  /**
   * The project's id for the tenant (`org_acme`), named as in the API (benchmarks seed through
   * this type too); branded on the way in.
   */
  tenantId: string;
  /** The project's id for the user (`user_123`). */
  userId: string;
  /** Secrets: encrypted, never returned. */
  accessToken: string;
  refreshToken: string;
  sessionId: string | null;
}

/** A grant of the user flow: the columns written, and whose connection it is. */
type UserGrant = ConnectionWrite & { userId: string };

const CONNECTION: CredentialKind<ConnectionRecord> = {
  recordType: 'connection',
  idPrefix: 'con',
  historyKey: 'connectionId',
  notFound: 'connection_not_found',
  snapshot: (r) => ({
    appId: r.appId,
    installationId: r.installationId,
    oid: r.oid,
    tid: r.tid,
    upn: r.upn,
    scopes: r.scopes,
    status: r.status,
  }),
  eventPayload: (r) => ({
    connectionId: r.id,
    provider: r.provider,
    appId: r.appId,
    userId: r.userId,
    installationId: r.installationId,
    tid: r.tid,
  }),
};

/** Connections: listing for the API, and the write the user flow ends with. */
@Injectable()
export class ConnectionsService {
  private readonly lifecycle: CredentialLifecycle<ConnectionRecord, UserGrant>;

  constructor(
    private readonly connections: ConnectionsRepository,
    private readonly tenants: TenantResolver,
    store: CredentialStore,
  ) {
    this.lifecycle = store.lifecycle(CONNECTION, {
      find: (projectId, id) => connections.find(projectId, id),
      findCurrent: (projectId, tenantRowId, grant) =>
        connections.findForUser(projectId, tenantRowId, grant.provider, grant.userId),
      list: (projectId, filter, page) => connections.list(projectId, filter, page),
      create: (projectId, tenantRowId, id, { userId, ...write }, at) =>
        connections.create(projectId, tenantRowId, id, userId, write, at),
      replace: (projectId, tenantRowId, id, version, { userId: _user, ...write }, at) =>
        connections.replaceAuthorization(projectId, tenantRowId, id, version, write, at),
      delete: (projectId, id) => connections.delete(projectId, id),
    });
  }

  list(projectId: string, query: ListCredentialsQuery): Promise<PageDto<ConnectionDto>> {
    return this.lifecycle.list(projectId, query, toConnectionDto);
  }

  async get(projectId: string, id: string): Promise<ConnectionDto> {
    return toConnectionDto(await this.find(projectId, id));
  }

  /** The connection, or connection_not_found (also for another project's). */
  find(projectId: string, id: string): Promise<ConnectionRecord> {
    return this.lifecycle.find(projectId, id);
  }

  /** The user's connection of a provider, or null; tenant and user are the project's own ids. */
  async findForUser(
    projectId: string,
    tenantExternalId: TenantExternalId,
    provider: string,
    userId: string,
  ): Promise<ConnectionRecord | null> {
    const tenant = await this.tenants.find(projectId, tenantExternalId);
    return tenant ? this.connections.findForUser(projectId, tenant.tenantRowId, provider, userId) : null;
  }

  /**
   * Stores the outcome of a user authorization: creates the user's connection, or re-authorizes
   * the existing one in place (same id; history keeps the previous account and scopes).
   */
  async upsertFromCode(
    result: AuthorizationResult,
    alsoInTransaction?: () => Promise<void>,
  ): Promise<{ connection: ConnectionRecord; created: boolean }> {
    const { projectId, tenantId, accessToken, refreshToken, sessionId, ...grant } = result;
    const { record, created } = await this.lifecycle.upsert({
      alsoInTransaction,
      projectId,
      tenantExternalId: asTenantExternalId(tenantId),
      sessionId,
      tokens: { accessToken, refreshToken, expiresAt: grant.expiresAt, scopes: grant.scopes },
      grant,
    });
    return { connection: record, created };
  }

  /** The connection's token set (access and refresh token). Holds secrets: never log it. */
  readTokens(connection: ConnectionRecord): Promise<Tokens | null> {
    return this.lifecycle.readTokens(connection);
  }

  /** The token set the refresh read sealed with the connection's row. Holds secrets: never log it. */
  openTokens(connection: ConnectionRecord, sealed: Uint8Array<ArrayBuffer>): Promise<Tokens> {
    return this.lifecycle.openTokens(connection, sealed);
  }

  /** Deletes the connection and its tokens. */
  delete(projectId: string, id: string): Promise<void> {
    return this.lifecycle.delete(projectId, id);
  }
}
