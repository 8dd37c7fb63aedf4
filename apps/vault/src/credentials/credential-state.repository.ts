import { Inject, Injectable } from '@nestjs/common';
import { Prisma } from '@authpipe/prisma';
import type { TenantRowId } from '../common/tenant-ids';
import type { Database } from '../database/database';
import { DATABASE } from '../database/database.module';
import { UnitOfWork } from '../database/unit-of-work';
import type { CredentialRecordBase, CredentialStatus } from './credential-records';
import { TOKEN_SET_FIELD } from './token-set';
import { BUS_CHANNEL } from '../bus/bus.messages';
import type { SecretUpsertParts } from '../secrets/secrets.repository';

/** Where an app's credential is kept (apps/app-credentials.ts's APP_SECRET_REF): a project secret. */
const APP_CREDENTIAL_REF = { recordType: 'provider_app', field: 'credential' } as const;

/** Which credential table: the two kinds share their refresh, health and lease columns. */
export type CredentialKindName = 'installation' | 'connection';

// Table names are identifiers, never values: fixed here, never from input.
const TABLE: Record<CredentialKindName, Prisma.Sql> = {
  installation: Prisma.raw('installations'),
  connection: Prisma.raw('connections'),
};

// A good refresh proves the tokens, not the bound resource: `access_lost` (Graph refusing the
// drive or site) stays, with what it recorded, until a health probe or a re-install clears it.
const RECOVERED_STATUS = Prisma.sql`CASE WHEN status = 'access_lost' THEN 'access_lost' ELSE 'active' END`;
const KEPT_IF_ACCESS_LOST = (column: string) =>
  Prisma.sql`CASE WHEN status = 'access_lost' THEN ${Prisma.raw(column)} ELSE NULL END`;

// The columns of a credential record (`CredentialRecordBase` with the tenant's external id, then
// each kind's own, as installations.repository.ts and connections.repository.ts read them with
// Prisma), aliased to the record's field names, for the refresh's one-statement lease and read.
const RECORD_COLUMNS = Prisma.sql`l.id, l.project_id AS "projectId", l.tenant_id AS "tenantRowId",
  t.external_id AS "tenantExternalId", l.app_id AS "appId", l.provider, l.scopes, l.status,
  l.status_aadsts AS "statusAadsts", l.status_error AS "statusError", l.status_remediation AS "statusRemediation",
  l.status_changed_at AS "statusChangedAt", l.status_trace_id AS "statusTraceId",
  l.status_correlation_id AS "statusCorrelationId", l.status_claims AS "statusClaims",
  l.status_action AS "statusAction", l.status_action_url AS "statusActionUrl", l.expires_at AS "expiresAt",
  l.refresh_at AS "refreshAt", l.last_refreshed_at AS "lastRefreshedAt", l.failure_count AS "failureCount",
  l.version, l.created_at AS "createdAt", l.updated_at AS "updatedAt"`;
const KIND_COLUMNS: Record<CredentialKindName, Prisma.Sql> = {
  installation: Prisma.sql`l.directory_id AS "directoryId", l.cloud, l.resource_kind AS "resourceKind",
    l.resource_drive_id AS "resourceDriveId", l.resource_site_id AS "resourceSiteId",
    l.resource_user AS "resourceUser", l.resource_web_url AS "resourceWebUrl", l.consented_at AS "consentedAt",
    l.consented_by AS "consentedBy"`,
  connection: Prisma.sql`l.installation_id AS "installationId", l.user_id AS "userId", l.oid, l.tid, l.upn,
    l.keep_alive_at AS "keepAliveAt"`,
};

/**
 * A credential leased for a refresh: its record, its sealed token set (null when it has none),
 * its app and the app's sealed credential (null when it has none).
 */
export interface LeasedCredential<R extends CredentialRecordBase, A> {
  row: R;
  tokenSet: Uint8Array<ArrayBuffer> | null;
  app: A;
  appCredential: Uint8Array<ArrayBuffer> | null;
}

/**
 * How the leased read brings the credential's app along: the `provider_apps` columns to select
 * (the table is `a`), and how to take the app back out of the row. The apps feature owns both
 * (`apps.repository.ts`); the refresh passes them in, so credentials/ does not import apps/
 * (which imports credentials/).
 */
export interface AppColumns<A> {
  select: Prisma.Sql;
  take: <T extends Record<string, unknown>>(row: T) => { app: A; rest: T };
}

/** The columns a successful refresh writes: active, errors cleared, lease released, version bumped. */
function refreshedColumns(kind: CredentialKindName, state: RefreshedState, at: Date): Prisma.Sql {
  const keepAlive =
    kind === 'connection' ? Prisma.sql`, keep_alive_at = ${state.keepAliveAt}, expiry_warned_at = NULL` : Prisma.empty;
  return Prisma.sql`expires_at = ${state.expiresAt}, refresh_at = ${state.refreshAt}, scopes = ${state.scopes},
             status = ${RECOVERED_STATUS}, status_changed_at = CASE WHEN status IN ('active', 'access_lost')
               THEN status_changed_at ELSE ${at} END,
             status_aadsts = ${KEPT_IF_ACCESS_LOST('status_aadsts')}, status_error = ${KEPT_IF_ACCESS_LOST('status_error')},
             status_remediation = ${KEPT_IF_ACCESS_LOST('status_remediation')},
             status_trace_id = ${KEPT_IF_ACCESS_LOST('status_trace_id')},
             status_correlation_id = ${KEPT_IF_ACCESS_LOST('status_correlation_id')},
             status_claims = NULL, status_action = ${KEPT_IF_ACCESS_LOST('status_action')},
             status_action_url = ${KEPT_IF_ACCESS_LOST('status_action_url')},
             failure_count = 0, last_refreshed_at = ${at}, lease_owner = NULL, lease_until = NULL,
             version = version + 1, updated_at = ${at} ${keepAlive}`;
}

/** A credential named for a refresh: its kind, project and id. */
export interface CredentialRef {
  kind: CredentialKindName;
  projectId: string;
  id: string;
}

/** The columns a successful refresh sets. */
export interface RefreshedState {
  expiresAt: Date;
  refreshAt: Date;
  /** Connections: when the next keep-alive refresh is due (refresh tokens die after ~90 idle days). */
  keepAliveAt: Date | null;
  scopes: string[];
}

/** The columns a failed refresh sets. */
export interface FailedState {
  status: CredentialStatus;
  aadsts: number | null;
  error: string;
  remediation: string;
  failureCount: number;
  /** When to try again; null when no retry can help (the user or an admin must act). */
  refreshAt: Date | null;
  /** Microsoft's ids of the failed request, for a support ticket. */
  traceId: string | null;
  correlationId: string | null;
  /** A claims challenge's claims, for the re-auth sign-in. */
  claims: string | null;
  /** What someone must do, and where (a connect URL, the app's settings); null while Authpipe retries. */
  action: string | null;
  actionUrl: string | null;
}

/**
 * The refresh side of the credential tables: leases (which replica is refreshing a credential)
 * and the conditional writes of a refresh's outcome. Every comparison takes its time from the
 * vault's clock as a parameter, never the database's `now()`, so one clock decides.
 */
@Injectable()
export class CredentialStateRepository {
  constructor(
    private readonly uow: UnitOfWork,
    @Inject(DATABASE) private readonly db: Database,
  ) {}

  /**
   * One of the refresh's two statements (its leased read, its write), on the scheduler's hot path:
   * alone, straight to the driver as a prepared statement named `name` (as getCredential's cold
   * read, credential-reader.ts: there Prisma's query pipeline costs more CPU than the statement);
   * inside a unit of work, through Prisma in its transaction. `name` must stand for one SQL text:
   * each caller names every variant of its template.
   */
  private hot<T extends object>(name: string, sql: Prisma.Sql): Promise<T[]> {
    return this.uow.active ? this.uow.db.$queryRaw<T[]>(sql) : this.db.prepared<T>(name, sql.text, sql.values);
  }

  /**
   * Takes the credential's lease for `owner` until `until`, if it is free, expired at `now`, or
   * already `owner`'s. Returns the version read with it, or null when another replica holds it.
   */
  async lease(ref: CredentialRef, owner: string, now: Date, until: Date): Promise<{ version: number } | null> {
    const rows = await this.uow.db.$queryRaw<{ version: number }[]>`
      UPDATE ${TABLE[ref.kind]} SET lease_owner = ${owner}, lease_until = ${until}
       WHERE project_id = ${ref.projectId} AND id = ${ref.id}
         AND (lease_until IS NULL OR lease_until <= ${now} OR lease_owner = ${owner})
      RETURNING version`;
    return rows[0] ?? null;
  }

  /**
   * {@link lease}, and in the same statement the credential's record (as its repository's `find`
   * reads it, with the tenant's external id), for a connection its sealed token set, and its app
   * with the app's sealed credential: the refresh's whole read under its lease in one round trip.
   * Scoped by project (the row, its app and the app's credential) and by the row's own tenant
   * (the tenant and the token set). Null when another replica holds the lease or the credential
   * is gone.
   */
  async leaseAndRead<R extends CredentialRecordBase, A>(
    ref: CredentialRef,
    owner: string,
    now: Date,
    until: Date,
    appColumns: AppColumns<A>,
  ): Promise<LeasedCredential<R, A> | null> {
    // Installations keep no token set a refresh needs: client credentials mint a new one.
    const tokenSet =
      ref.kind === 'connection'
        ? Prisma.sql`(SELECT s.ciphertext FROM secrets s
             WHERE s.record_type = 'connection' AND s.record_id = l.id AND s.field = ${TOKEN_SET_FIELD}
               AND s.project_id = l.project_id AND s.tenant_id = l.tenant_id)`
        : Prisma.sql`NULL::bytea`;
    const appCredential = Prisma.sql`(SELECT s.ciphertext FROM secrets s
       WHERE s.record_type = ${APP_CREDENTIAL_REF.recordType} AND s.record_id = l.app_id
         AND s.field = ${APP_CREDENTIAL_REF.field} AND s.project_id = l.project_id AND s.tenant_id IS NULL)`;
    // The app by its primary key alone, in a LATERAL subquery with LIMIT 1 (which keeps the project
    // condition outside it): as a plain join, a generic plan on tables without statistics (freshly
    // filled; PGlite may never analyze) searched the (project_id, provider) index and filtered the
    // app id afterwards, reading every app of the project on each refresh. The project scope holds
    // the same, checked on the one row found.
    type Sealed = { tokenSet: Uint8Array<ArrayBuffer> | null; appCredential: Uint8Array<ArrayBuffer> | null };
    const rows = await this.hot<Record<string, unknown> & Sealed>(
      `authpipe_refresh_lease_${ref.kind}`,
      Prisma.sql`
      WITH l AS (
        UPDATE ${TABLE[ref.kind]} SET lease_owner = ${owner}, lease_until = ${until}
         WHERE project_id = ${ref.projectId} AND id = ${ref.id}
           AND (lease_until IS NULL OR lease_until <= ${now} OR lease_owner = ${owner})
        RETURNING *)
      SELECT ${RECORD_COLUMNS}, ${KIND_COLUMNS[ref.kind]}, ${tokenSet} AS "tokenSet", ${appColumns.select},
             ${appCredential} AS "appCredential"
        FROM l JOIN tenants t ON t.id = l.tenant_id AND t.project_id = l.project_id
               JOIN LATERAL (SELECT * FROM provider_apps WHERE id = l.app_id LIMIT 1) a ON a.project_id = l.project_id`,
    );
    const found = rows[0];
    if (found === undefined) return null;
    const { app, rest } = appColumns.take(found);
    const { tokenSet: sealed, appCredential: sealedApp, ...row } = rest;
    return { row: row as unknown as R, tokenSet: sealed, app, appCredential: sealedApp };
  }

  /** Gives the lease back if `owner` still holds it. */
  async release(ref: CredentialRef, owner: string): Promise<void> {
    await this.uow.db.$executeRaw`
      UPDATE ${TABLE[ref.kind]} SET lease_owner = NULL, lease_until = NULL
       WHERE project_id = ${ref.projectId} AND id = ${ref.id} AND lease_owner = ${owner}`;
  }

  /** The credential's version and lease, to wait on another replica's refresh. */
  async leaseState(ref: CredentialRef): Promise<{ version: number; leaseUntil: Date | null } | null> {
    const rows = await this.uow.db.$queryRaw<{ version: number; lease_until: Date | null }[]>`
      SELECT version, lease_until FROM ${TABLE[ref.kind]} WHERE project_id = ${ref.projectId} AND id = ${ref.id}`;
    const row = rows[0];
    return row ? { version: row.version, leaseUntil: row.lease_until } : null;
  }

  /**
   * Writes a successful refresh if the row is still at `expectedVersion`: active, errors cleared,
   * lease released, version bumped. Null when another writer moved it on (nothing written).
   */
  async refreshed(
    ref: CredentialRef,
    expectedVersion: number,
    state: RefreshedState,
    at: Date,
  ): Promise<number | null> {
    const rows = await this.uow.db.$queryRaw<{ version: number }[]>`
      UPDATE ${TABLE[ref.kind]} SET ${refreshedColumns(ref.kind, state, at)}
       WHERE project_id = ${ref.projectId} AND id = ${ref.id} AND version = ${expectedVersion}
      RETURNING version`;
    return rows[0]?.version ?? null;
  }

  /**
   * {@link refreshed}, the new token set and the bus message in ONE statement, so one round trip
   * commits the whole change (alone, or in the ambient unit of work): the row is written only at
   * `expectedVersion`, only if the token set's data key still exists (`secret.dataKey`, locked
   * until commit) and its place holds no other owner's secret (`secret.scopeFree`); the token set
   * is stored for the written row only, and `pg_notify(BUS_CHANNEL, notify)` (PostgreSQL's bus;
   * null on PGlite) is sent for it only, delivered when it commits. A row written without its
   * token set (an upsert refused by a race the checks cannot see) fails the whole statement with a
   * cast error, so nothing commits. `version` null: nothing written; `dataKey` and `scopeFree` say
   * whether the secret's checks stopped it (else the compare-and-set lost).
   */
  async refreshedWithTokenSet(
    ref: CredentialRef,
    expectedVersion: number,
    state: RefreshedState,
    at: Date,
    secret: SecretUpsertParts,
    notify: string | null,
  ): Promise<{ version: number | null; dataKey: boolean; scopeFree: boolean }> {
    const notified =
      notify === null
        ? { cte: Prisma.empty, count: Prisma.sql`0` }
        : {
            cte: Prisma.sql`, notified AS (SELECT pg_notify(${BUS_CHANNEL}, ${notify}) FROM changed)`,
            count: Prisma.sql`(SELECT count(*) FROM notified)`,
          };
    const rows = await this.hot<{ version: number | null; dataKey: boolean; scopeFree: boolean }>(
      `authpipe_refresh_write_${ref.kind}${notify === null ? '' : '_notify'}`,
      Prisma.sql`
      WITH dek AS (${secret.dataKey}),
      changed AS (
        UPDATE ${TABLE[ref.kind]} SET ${refreshedColumns(ref.kind, state, at)}
         WHERE project_id = ${ref.projectId} AND id = ${ref.id} AND version = ${expectedVersion}
           AND EXISTS (SELECT 1 FROM dek) AND ${secret.scopeFree}
        RETURNING version),
      stored AS (${secret.upsertFrom(Prisma.sql`changed`)})
      ${notified.cte}
      SELECT (SELECT version FROM changed) AS version, EXISTS (SELECT 1 FROM dek) AS "dataKey",
             ${secret.scopeFree} AS "scopeFree", ${notified.count} AS notified,
             -- Never a row without its token set: a run-time error (not foldable: it reads the
             -- written version) rolls the statement back.
             CASE WHEN (SELECT count(*) FROM changed) <> (SELECT count(*) FROM stored)
                  THEN ('token set not stored for version ' || (SELECT version FROM changed))::int
             END AS unstored`,
    );
    const { version, dataKey, scopeFree } = rows[0];
    return { version, dataKey, scopeFree };
  }

  /** Writes a failed refresh if the row is still at `expectedVersion`; null when it moved on. */
  async failed(ref: CredentialRef, expectedVersion: number, state: FailedState, at: Date): Promise<number | null> {
    const rows = await this.uow.db.$queryRaw<{ version: number }[]>`
      UPDATE ${TABLE[ref.kind]}
         SET status = ${state.status}, status_aadsts = ${state.aadsts}, status_error = ${state.error},
             status_remediation = ${state.remediation}, status_trace_id = ${state.traceId},
             status_correlation_id = ${state.correlationId}, status_claims = ${state.claims},
             status_action = ${state.action}, status_action_url = ${state.actionUrl},
             status_changed_at = CASE WHEN status = ${state.status} THEN status_changed_at ELSE ${at} END,
             failure_count = ${state.failureCount}, refresh_at = ${state.refreshAt},
             lease_owner = NULL, lease_until = NULL, version = version + 1, updated_at = ${at}
       WHERE project_id = ${ref.projectId} AND id = ${ref.id} AND version = ${expectedVersion}
      RETURNING version`;
    return rows[0]?.version ?? null;
  }

  /**
   * The health probe's bookkeeping, not a change of the credential (no version bump, like a
   * lease): when it was probed and when the next probe is due.
   */
  async probed(ref: CredentialRef, at: Date, nextProbeAt: Date): Promise<void> {
    await this.uow.db.$executeRaw`
      UPDATE ${TABLE[ref.kind]} SET last_probed_at = ${at}, probe_at = ${nextProbeAt}
       WHERE project_id = ${ref.projectId} AND id = ${ref.id}`;
  }

  /**
   * A health probe found Graph answering again for a credential in `access_lost`: active, the
   * recorded failure cleared, version bumped, if the row is still at `expectedVersion` and still
   * `access_lost`. Null when it moved on.
   */
  async accessRestored(ref: CredentialRef, expectedVersion: number, at: Date): Promise<number | null> {
    const rows = await this.uow.db.$queryRaw<{ version: number }[]>`
      UPDATE ${TABLE[ref.kind]}
         SET status = 'active', status_changed_at = ${at}, status_aadsts = NULL, status_error = NULL,
             status_remediation = NULL, status_trace_id = NULL, status_correlation_id = NULL,
             status_claims = NULL, status_action = NULL, status_action_url = NULL,
             lease_owner = NULL, lease_until = NULL, version = version + 1, updated_at = ${at}
       WHERE project_id = ${ref.projectId} AND id = ${ref.id} AND version = ${expectedVersion}
         AND status = 'access_lost'
      RETURNING version`;
    return rows[0]?.version ?? null;
  }

  /**
   * An installation's admin consent was removed: the connections of its users (bound to it, or
   * signed in from its directory in the same tenant) are probed at once rather than marked, since
   * delegated consent can survive the admin's. Returns how many were made due.
   */
  async probeConnectionsOf(
    installation: { projectId: string; tenantRowId: TenantRowId; provider: string; id: string; directoryId: string },
    at: Date,
  ): Promise<number> {
    return this.uow.db.$executeRaw`
      UPDATE connections SET probe_at = ${at}
       WHERE project_id = ${installation.projectId} AND tenant_id = ${installation.tenantRowId}
         AND provider = ${installation.provider}
         AND (installation_id = ${installation.id} OR tid = ${installation.directoryId})
         AND status IN ('active', 'access_lost')`;
  }

  /**
   * Flags every credential of the project's app `misconfigured` (its own credential was refused):
   * not retried (refresh_at cleared), version bumped so an in-flight refresh loses its
   * compare-and-set. Rows already flagged are left as they are. Returns the credentials flagged.
   */
  async flagApp(
    projectId: string,
    appId: string,
    state: Pick<FailedState, 'aadsts' | 'error' | 'remediation' | 'traceId' | 'correlationId' | 'actionUrl'>,
    at: Date,
  ): Promise<{ kind: CredentialKindName; id: string }[]> {
    const flagged: { kind: CredentialKindName; id: string }[] = [];
    for (const kind of ['installation', 'connection'] as const) {
      const rows = await this.uow.db.$queryRaw<{ id: string }[]>`
        UPDATE ${TABLE[kind]}
           SET status = 'misconfigured', status_aadsts = ${state.aadsts}, status_error = ${state.error},
               status_remediation = ${state.remediation}, status_trace_id = ${state.traceId},
               status_correlation_id = ${state.correlationId}, status_claims = NULL,
               status_action = 'fix_app', status_action_url = ${state.actionUrl}, status_changed_at = ${at},
               refresh_at = NULL, version = version + 1, updated_at = ${at}
         WHERE project_id = ${projectId} AND app_id = ${appId} AND status <> 'misconfigured'
        RETURNING id`;
      flagged.push(...rows.map((r) => ({ kind, id: r.id })));
    }
    return flagged;
  }

  /**
   * The app's credential was fixed: every credential it flagged is due for a refresh now, which
   * proves it and brings it back (`credential.recovered`). Returns how many.
   */
  async appFixed(projectId: string, appId: string, at: Date): Promise<number> {
    let count = 0;
    for (const kind of ['installation', 'connection'] as const) {
      count += await this.uow.db.$executeRaw`
        UPDATE ${TABLE[kind]} SET refresh_at = ${at}, failure_count = 0, updated_at = ${at}
         WHERE project_id = ${projectId} AND app_id = ${appId} AND status = 'misconfigured'
           AND status_action = 'fix_app'`;
    }
    return count;
  }
}
