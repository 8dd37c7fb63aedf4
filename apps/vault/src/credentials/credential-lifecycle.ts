import type { Clock } from '../common/clock';
import type { IdGenerator } from '../common/id-generator';
import { decodeCursor, encodeCursor } from '../common/cursor';
import type { EventsService } from '../events/events.service';
import type { TenantKeysRepository } from '../keys/tenant-keys.repository';
import { FlowError } from '../providers/flow-error';
import type { SecretsService } from '../secrets/secrets.service';
import type { CredentialHistoryRepository } from './credential-history.repository';
import type { ListFilter, PageRequest } from './credential-records';
import { isUniqueViolation } from './unique-violation';

/** The columns the lifecycle itself reads from an installation or a connection. */
export interface CredentialRow {
  id: string;
  projectId: string;
  /** The tenant's row id. */
  tenantId: string;
  /** The project's id for the tenant (`org_acme`). */
  tenantExternalId: string;
}

/** Row access to one credential table; `G` is what a grant (consent, authorization) writes. */
export interface CredentialTable<R extends CredentialRow, G> {
  find(projectId: string, id: string): Promise<R | null>;
  /** The row a grant for this tenant would replace (the tenant's installation, the user's connection). */
  findCurrent(projectId: string, tenantRowId: string, grant: G): Promise<R | null>;
  list(projectId: string, filter: ListFilter, page: PageRequest): Promise<R[]>;
  create(projectId: string, tenantRowId: string, id: string, grant: G, at: Date): Promise<R>;
  /** Writes the grant over an existing row in place; null when the row is gone. */
  replace(projectId: string, tenantRowId: string, id: string, grant: G, at: Date): Promise<R | null>;
  delete(projectId: string, id: string): Promise<boolean>;
}

/** What differs between installations and connections, besides their tables. */
export interface CredentialKind<R> {
  /** Secrets record type, event type prefix. */
  recordType: 'installation' | 'connection';
  idPrefix: 'ins' | 'con';
  /** The history column naming the credential. */
  historyKey: 'installationId' | 'connectionId';
  notFound: 'installation_not_found' | 'connection_not_found';
  /** Non-secret state kept in the history before a change. */
  snapshot(row: R): Record<string, string | string[] | null>;
  /** Payload of the credential's events: ids and account facts, never tokens. */
  eventPayload(row: R): Record<string, string | null>;
}

/** The outcome of a flow, to store as a credential. */
export interface CredentialGrant<G> {
  projectId: string;
  /** The project's id for the tenant (`org_acme`). */
  tenantId: string;
  /** The connect session that ran the flow, for the history. */
  sessionId: string | null;
  /** Secret fields by name (`accessToken`, `refreshToken`): encrypted, never returned. */
  tokens: Record<string, string>;
  grant: G;
}

/** Services the lifecycle writes through. */
export interface CredentialLifecycleDeps {
  tenants: TenantKeysRepository;
  secrets: SecretsService;
  history: CredentialHistoryRepository;
  events: EventsService;
  clock: Clock;
  ids: IdGenerator;
}

/**
 * The life of a stored credential, shared by installations and connections: keyset listing,
 * lookup that answers another project's id with the same not-found, create-or-re-authorize in
 * place with tokens through SecretsService, history and events, and deletion.
 */
export class CredentialLifecycle<R extends CredentialRow, G> {
  constructor(
    private readonly kind: CredentialKind<R>,
    private readonly table: CredentialTable<R, G>,
    private readonly deps: CredentialLifecycleDeps,
  ) {}

  /** One page of the project's credentials, filtered, with the cursor of the next. */
  async list<D>(
    projectId: string,
    query: { limit: number; cursor?: string } & ListFilterQuery,
    toDto: (row: R) => D,
  ): Promise<{ data: D[]; nextCursor: string | null }> {
    const after = query.cursor !== undefined ? decodeCursor(query.cursor) : undefined;
    const rows = await this.table.list(
      projectId,
      { tenantExternalId: query.tenantId, provider: query.provider, status: query.status },
      { limit: query.limit + 1, after },
    );
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return { data: page.map(toDto), nextCursor: rows.length > query.limit && last ? encodeCursor(last.id) : null };
  }

  /** The credential, or its not-found error (also for another project's). */
  async find(projectId: string, id: string): Promise<R> {
    const row = await this.table.find(projectId, id);
    if (!row) throw this.missing();
    return row;
  }

  /**
   * Creates the credential, or re-authorizes the current one in place (same id, history entry
   * with its previous state). Tokens are written before the row so a failure never leaves a row
   * without its credential; a lost race for the same tenant (and user) re-authorizes the winner.
   */
  async upsert(input: CredentialGrant<G>): Promise<{ record: R; created: boolean }> {
    const now = new Date(this.deps.clock());
    const { projectId, tenantId, sessionId, grant } = input;
    const tenant = await this.deps.tenants.ensureTenant(projectId, tenantId);
    const existing = await this.table.findCurrent(projectId, tenant.id, grant);
    if (existing) return { record: await this.reauthorize(input, tenant.id, existing, now), created: false };
    const scope = { projectId, tenantId };
    const id = this.deps.ids.next(this.kind.idPrefix);
    await this.putTokens(scope, id, input.tokens);
    let created: R;
    try {
      created = await this.table.create(projectId, tenant.id, id, grant, now);
    } catch (error) {
      await this.deps.secrets.deleteRecord(scope, this.kind.recordType, id);
      const winner = isUniqueViolation(error) ? await this.table.findCurrent(projectId, tenant.id, grant) : null;
      if (!winner) throw error;
      return { record: await this.reauthorize(input, tenant.id, winner, now), created: false };
    }
    await this.deps.history.append(
      projectId,
      tenant.id,
      { [this.kind.historyKey]: id, action: 'created', sessionId },
      now,
    );
    await this.deps.events.append(
      projectId,
      tenantId,
      `${this.kind.recordType}.created`,
      this.kind.eventPayload(created),
    );
    return { record: created, created: true };
  }

  /** Deletes the credential and its secrets; the history keeps its last state. */
  async delete(projectId: string, id: string): Promise<void> {
    const row = await this.find(projectId, id);
    const now = new Date(this.deps.clock());
    if (!(await this.table.delete(projectId, id))) throw this.missing();
    await this.deps.secrets.deleteRecord({ projectId, tenantId: row.tenantExternalId }, this.kind.recordType, id);
    await this.deps.history.append(
      projectId,
      row.tenantId,
      { [this.kind.historyKey]: id, action: 'deleted', previous: this.kind.snapshot(row) },
      now,
    );
    await this.deps.events.append(
      projectId,
      row.tenantExternalId,
      `${this.kind.recordType}.deleted`,
      this.kind.eventPayload(row),
    );
  }

  private async reauthorize(input: CredentialGrant<G>, tenantRowId: string, existing: R, now: Date): Promise<R> {
    const { projectId, tenantId, sessionId, grant } = input;
    await this.putTokens({ projectId, tenantId }, existing.id, input.tokens);
    const updated = await this.table.replace(projectId, tenantRowId, existing.id, grant, now);
    if (!updated) throw this.missing();
    await this.deps.history.append(
      projectId,
      tenantRowId,
      {
        [this.kind.historyKey]: existing.id,
        action: 'reauthorized',
        sessionId,
        previous: this.kind.snapshot(existing),
      },
      now,
    );
    await this.deps.events.append(
      projectId,
      tenantId,
      `${this.kind.recordType}.reauthorized`,
      this.kind.eventPayload(updated),
    );
    return updated;
  }

  private async putTokens(scope: { projectId: string; tenantId: string }, id: string, tokens: Record<string, string>) {
    for (const [field, value] of Object.entries(tokens)) {
      await this.deps.secrets.put(scope, { recordType: this.kind.recordType, recordId: id, field }, value);
    }
  }

  private missing(): FlowError {
    return FlowError.missing(this.kind.notFound, `${this.kind.recordType} in this project`);
  }
}

/** The list filters as the API's query names them. */
export interface ListFilterQuery {
  tenantId?: string;
  provider?: string;
  status?: ListFilter['status'];
}
