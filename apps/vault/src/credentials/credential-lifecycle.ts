import { Inject, Injectable } from '@nestjs/common';
import { InvalidationBus } from '../bus/invalidation-bus';
import { CLOCK, type Clock } from '../common/clock';
import { decodeCursor, encodeCursor } from '../common/cursor';
import { IDS, type IdGenerator } from '../common/id-generator';
import { UnitOfWork } from '../database/unit-of-work';
import { EventsService } from '../events/events.service';
import { asTenantExternalId, type TenantExternalId, type TenantRef, type TenantRowId } from '../common/tenant-ids';
import { TenantResolver } from '../keys/tenant-resolver';
import { FlowError } from '../providers/flow-error';
import { SecretsService, type SealedSecret } from '../secrets/secrets.service';
import { CredentialHistoryRepository } from './credential-history.repository';
import type { ListFilter, PageRequest } from './credential-records';
import { TOKEN_SET_FIELD, parseTokenSet, serializeTokenSet, type Tokens } from './token-set';
import { isUniqueViolation } from './unique-violation';

/** The columns the lifecycle itself reads from an installation or a connection. */
export interface CredentialRow {
  id: string;
  projectId: string;
  tenantRowId: TenantRowId;
  /** The project's id for the tenant (`org_acme`). */
  tenantExternalId: TenantExternalId;
  /** Compare-and-set counter: every credential write is conditional on the version it read. */
  version: number;
  /** active, degraded, needs_reauth, revoked, access_lost, misconfigured. */
  status: string;
}

/** Statuses a re-authorization brings a credential back from (`credential.recovered`). */
const RECOVERABLE_BY_GRANT = new Set(['degraded', 'needs_reauth', 'revoked', 'access_lost', 'misconfigured']);

/** Row access to one credential table; `G` is what a grant (consent, authorization) writes. */
export interface CredentialTable<R extends CredentialRow, G> {
  find(projectId: string, id: string): Promise<R | null>;
  /** The row a grant for this tenant would replace (the tenant's installation, the user's connection). */
  findCurrent(projectId: string, tenantRowId: TenantRowId, grant: G): Promise<R | null>;
  list(projectId: string, filter: ListFilter, page: PageRequest): Promise<R[]>;
  create(projectId: string, tenantRowId: TenantRowId, id: string, grant: G, at: Date): Promise<R>;
  /** Writes the grant over an existing row at `expectedVersion`; null when it moved on or is gone. */
  replace(
    projectId: string,
    tenantRowId: TenantRowId,
    id: string,
    expectedVersion: number,
    grant: G,
    at: Date,
  ): Promise<R | null>;
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
  tenantExternalId: TenantExternalId;
  /** The connect session that ran the flow, for the history. */
  sessionId: string | null;
  /** The token set: encrypted as one ciphertext, never returned. */
  tokens: Tokens;
  grant: G;
  /**
   * More of the same change, run inside its transaction before the credential is written (a flow
   * uses up its connect session here): its failure stores nothing.
   */
  alsoInTransaction?: () => Promise<void>;
}

/** Internal: the compare-and-set lost inside a transaction, which must roll back. */
class LostCompareAndSet extends Error {}

/** A change lost its compare-and-set this many times in a row: something else keeps writing. */
const MAX_ATTEMPTS = 5;

/** Every try of a credential change met a newer row: nothing of this change was stored. */
export class CredentialWriteConflictError extends Error {
  constructor(recordType: string) {
    super(`The ${recordType} kept changing under this write; nothing was stored`);
    this.name = 'CredentialWriteConflictError';
  }
}

/** The services a credential change writes through, shared by every {@link CredentialLifecycle}. */
@Injectable()
export class CredentialStore {
  constructor(
    readonly tenants: TenantResolver,
    readonly secrets: SecretsService,
    readonly history: CredentialHistoryRepository,
    readonly events: EventsService,
    readonly uow: UnitOfWork,
    readonly bus: InvalidationBus,
    @Inject(CLOCK) readonly clock: Clock,
    @Inject(IDS) readonly ids: IdGenerator,
  ) {}

  /** The lifecycle of one kind of credential over its table. */
  lifecycle<R extends CredentialRow, G>(
    kind: CredentialKind<R>,
    table: CredentialTable<R, G>,
  ): CredentialLifecycle<R, G> {
    return new CredentialLifecycle(kind, table, this);
  }
}

/**
 * The life of a stored credential, shared by installations and connections: keyset listing,
 * lookup that answers another project's id with the same not-found, create-or-re-authorize in
 * place, and deletion. A change (the row with its version compare-and-set, the token set, the
 * history entry, the event and its `credential.changed` bus message) is one unit of work: it
 * commits whole or not at all, and every replica hears of it when it commits. The token set is
 * encrypted before the transaction opens.
 */
export class CredentialLifecycle<R extends CredentialRow, G> {
  constructor(
    private readonly kind: CredentialKind<R>,
    private readonly table: CredentialTable<R, G>,
    private readonly store: CredentialStore,
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
      { tenantExternalId: asTenantExternalId(query.tenantId), provider: query.provider, status: query.status },
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

  /** The credential's token set (decrypted), or null when it has none. Holds secrets: never log it. */
  async readTokens(row: R): Promise<Tokens | null> {
    const plaintext = await this.store.secrets.get(
      { projectId: row.projectId, tenantExternalId: row.tenantExternalId },
      this.tokenSetRef(row.id),
    );
    if (plaintext === null) return null;
    try {
      return parseTokenSet(plaintext);
    } finally {
      plaintext.fill(0);
    }
  }

  /** {@link readTokens} of a sealed token set read with the row (the refresh's leased read). */
  async openTokens(row: R, sealed: Uint8Array<ArrayBuffer>): Promise<Tokens> {
    const plaintext = await this.store.secrets.open(row, this.tokenSetRef(row.id), sealed);
    try {
      return parseTokenSet(plaintext);
    } finally {
      plaintext.fill(0);
    }
  }

  /**
   * Creates the credential, or re-authorizes the current one in place (same id, history entry
   * with its previous state). Conditional on what it read: when another writer created the row
   * first or moved its version meanwhile, it reads again and applies this (newest) grant on top.
   */
  async upsert(input: CredentialGrant<G>): Promise<{ record: R; created: boolean }> {
    const { projectId, tenantExternalId } = input;
    const plaintext = serializeTokenSet(input.tokens);
    try {
      return await this.store.secrets.retryingStaleKeys({ projectId, tenantExternalId }, async () => {
        for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
          const tenant = await this.store.tenants.resolve(projectId, tenantExternalId);
          const current = await this.table.findCurrent(projectId, tenant.tenantRowId, input.grant);
          const id = current?.id ?? this.store.ids.next(this.kind.idPrefix);
          const sealed = await this.store.secrets.seal(
            { projectId, tenantExternalId },
            this.tokenSetRef(id),
            plaintext,
          );
          const written = await this.write(input, tenant, current, id, sealed);
          if (written !== null) return written;
        }
        throw new CredentialWriteConflictError(this.kind.recordType);
      });
    } finally {
      plaintext.fill(0);
    }
  }

  /** Deletes the credential and its token set in one unit of work; the history keeps its last state. */
  async delete(projectId: string, id: string): Promise<void> {
    const row = await this.find(projectId, id);
    const now = new Date(this.store.clock());
    await this.store.uow.run(async () => {
      if (!(await this.table.delete(projectId, id))) throw this.missing();
      await this.store.secrets.deleteRecord(
        { projectId, tenantExternalId: row.tenantExternalId },
        this.kind.recordType,
        id,
      );
      await this.store.history.append(
        projectId,
        row.tenantRowId,
        { [this.kind.historyKey]: id, action: 'deleted', previous: this.kind.snapshot(row) },
        now,
      );
      await this.store.events.appendFor(projectId, row, `${this.kind.recordType}.deleted`, this.kind.eventPayload(row));
      await this.changed(projectId, id);
    });
  }

  /**
   * One attempt: the row (created, or replaced at the version read), the token set, the history
   * entry and the event, in one transaction. Null when the compare-and-set lost (nothing stored).
   */
  private async write(
    input: CredentialGrant<G>,
    tenant: TenantRef,
    current: R | null,
    id: string,
    sealed: SealedSecret,
  ): Promise<{ record: R; created: boolean } | null> {
    const { projectId, sessionId, grant } = input;
    const now = new Date(this.store.clock());
    try {
      return await this.store.uow.run(async () => {
        await input.alsoInTransaction?.();
        const record = current
          ? await this.table.replace(projectId, tenant.tenantRowId, id, current.version, grant, now)
          : await this.table.create(projectId, tenant.tenantRowId, id, grant, now);
        if (record === null) throw new LostCompareAndSet();
        await this.store.secrets.store(sealed);
        await this.store.history.append(
          projectId,
          tenant.tenantRowId,
          current
            ? { [this.kind.historyKey]: id, action: 'reauthorized', sessionId, previous: this.kind.snapshot(current) }
            : { [this.kind.historyKey]: id, action: 'created', sessionId },
          now,
        );
        const what = current ? 'reauthorized' : 'created';
        await this.store.events.appendFor(
          projectId,
          tenant,
          `${this.kind.recordType}.${what}`,
          this.kind.eventPayload(record),
        );
        // A re-authorization of a blocked or degraded credential is its recovery, announced as a
        // refresh's would be (beside `*.reauthorized`); both resolve its open issue.
        if (current !== null && RECOVERABLE_BY_GRANT.has(current.status)) {
          await this.store.events.appendFor(projectId, tenant, 'credential.recovered', {
            credentialId: id,
            kind: this.kind.recordType,
            from: current.status,
          });
        }
        await this.changed(projectId, id);
        return { record, created: current === null };
      });
    } catch (error) {
      // Another writer moved the row on, or created the tenant's (or user's) credential first:
      // nothing of this attempt was stored; read again and go again.
      if (error instanceof LostCompareAndSet) return null;
      if (current === null && isUniqueViolation(error)) return null;
      throw error;
    }
  }

  /**
   * Tells every replica the credential changed, when the ambient unit of work commits. No cache
   * of credentials subscribes yet: getCredential's cache of served credentials will.
   */
  private changed(projectId: string, id: string): Promise<void> {
    return this.store.bus.publish({ type: 'credential.changed', projectId, kind: this.kind.recordType, id });
  }

  private tokenSetRef(id: string) {
    return { recordType: this.kind.recordType, recordId: id, field: TOKEN_SET_FIELD };
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
