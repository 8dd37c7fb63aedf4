import { Injectable } from '@nestjs/common';
import { Prisma } from '@authpipe/prisma';
import { UnitOfWork } from '../database/unit-of-work';
import type { CredentialRef } from '../credentials/credential-state.repository';
import type { TenantExternalId, TenantRowId } from '../common/tenant-ids';

/** A connection whose refresh token nears the inactivity limit. */
export interface IdleConnection {
  id: string;
  projectId: string;
  tenantRowId: TenantRowId;
  tenantExternalId: TenantExternalId;
  lastRefreshedAt: Date;
}

/**
 * The scheduler's one system-scope query (besides the key jobs, the only read across projects and
 * tenants): it names credentials by project and id, and what is done with them goes through the
 * project-scoped refresh.
 */
@Injectable()
export class DueCredentialsRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /**
   * SYSTEM SCOPE. Leases up to `limit` installations and `limit` connections due at `now` to
   * `owner` until `until`, in one statement: rows whose `refresh_at` passed (connections also
   * when their keep-alive date passed and they can still be refreshed), whose lease is free or
   * expired, oldest first. `FOR UPDATE SKIP LOCKED` lets replicas take disjoint batches without
   * waiting on each other; the lease then keeps them disjoint after this statement commits.
   * Connections are due by either date, each read oldest first through its own index (the
   * keep-alive one partial, holding only connections that can still be renewed), and the earliest
   * `limit` of both taken: one scan ordered by `LEAST(refresh_at, keep_alive_at)` has no index to
   * follow, so it read and sorted every due connection on each batch. Rows locked by a branch but
   * not taken are free again when this statement's transaction ends.
   */
  async leaseDue(now: Date, owner: string, until: Date, limit: number): Promise<CredentialRef[]> {
    return this.uow.db.$queryRaw<CredentialRef[]>`
      WITH due_installations AS (
        SELECT id FROM installations
         WHERE refresh_at <= ${now} AND (lease_until IS NULL OR lease_until <= ${now})
         ORDER BY refresh_at
         LIMIT ${limit}
           FOR UPDATE SKIP LOCKED
      ), refresh_due AS (
        SELECT id, refresh_at AS due_at FROM connections
         WHERE refresh_at <= ${now} AND (lease_until IS NULL OR lease_until <= ${now})
         ORDER BY refresh_at
         LIMIT ${limit}
           FOR UPDATE SKIP LOCKED
      ), keep_alive_due AS (
        SELECT id, keep_alive_at AS due_at FROM connections
         WHERE keep_alive_at <= ${now} AND status IN ('active', 'degraded', 'access_lost')
           AND (lease_until IS NULL OR lease_until <= ${now})
         ORDER BY keep_alive_at
         LIMIT ${limit}
           FOR UPDATE SKIP LOCKED
      ), due_connections AS (
        SELECT id FROM (SELECT * FROM refresh_due UNION ALL SELECT * FROM keep_alive_due) due
         GROUP BY id
         ORDER BY min(due_at)
         LIMIT ${limit}
      ), leased_installations AS (
        UPDATE installations i SET lease_owner = ${owner}, lease_until = ${until}
          FROM due_installations d WHERE i.id = d.id
        RETURNING 'installation' AS kind, i.project_id AS "projectId", i.id
      ), leased_connections AS (
        UPDATE connections c SET lease_owner = ${owner}, lease_until = ${until}
          FROM due_connections d WHERE c.id = d.id
        RETURNING 'connection' AS kind, c.project_id AS "projectId", c.id
      )
      SELECT kind, "projectId", id FROM leased_installations
      UNION ALL
      SELECT kind, "projectId", id FROM leased_connections`;
  }

  /**
   * SYSTEM SCOPE. The health probes' claim: up to `limit` installations and `limit` connections
   * whose `probe_at` passed at `now` and that a probe can judge (`active` or `access_lost`: the
   * others are the refresh's to retry or wait for someone), oldest first, `FOR UPDATE SKIP LOCKED`.
   * Their `probe_at` moves to `until` in the same statement, which is the probe's lease: replicas
   * take disjoint rows, and a probe lost with its replica is taken again after `until`.
   */
  async leaseDueProbes(now: Date, until: Date, limit: number): Promise<CredentialRef[]> {
    return this.uow.db.$queryRaw<CredentialRef[]>`
      WITH due_installations AS (
        SELECT id FROM installations
         WHERE probe_at <= ${now} AND status IN ('active', 'access_lost')
         ORDER BY probe_at
         LIMIT ${limit}
           FOR UPDATE SKIP LOCKED
      ), due_connections AS (
        SELECT id FROM connections
         WHERE probe_at <= ${now} AND status IN ('active', 'access_lost')
         ORDER BY probe_at
         LIMIT ${limit}
           FOR UPDATE SKIP LOCKED
      ), leased_installations AS (
        UPDATE installations i SET probe_at = ${until}
          FROM due_installations d WHERE i.id = d.id
        RETURNING 'installation' AS kind, i.project_id AS "projectId", i.id
      ), leased_connections AS (
        UPDATE connections c SET probe_at = ${until}
          FROM due_connections d WHERE c.id = d.id
        RETURNING 'connection' AS kind, c.project_id AS "projectId", c.id
      )
      SELECT kind, "projectId", id FROM leased_installations
      UNION ALL
      SELECT kind, "projectId", id FROM leased_connections`;
  }

  /**
   * SYSTEM SCOPE. Gives up to `limit` probed credentials (`active`, `access_lost`) of each kind
   * that have no probe date yet (new ones, and all of them once after the upgrade) one at random
   * within `intervalMs` of `now`, so their probes spread over the interval instead of arriving
   * together. Returns how many. The status filter is the due-probe claim's, so both read the
   * partial index `*_probe_due_idx` (which holds the NULL dates too); a credential in another
   * status is dated when it comes back.
   */
  async scheduleUnprobed(now: Date, intervalMs: number, limit: number): Promise<number> {
    let count = 0;
    for (const kind of ['installation', 'connection'] as const) {
      const table = Prisma.raw(kind === 'installation' ? 'installations' : 'connections');
      count += await this.uow.db.$executeRaw`
        UPDATE ${table} SET probe_at = ${now}::timestamptz + (random() * ${intervalMs}::double precision) * interval '1 millisecond'
         WHERE id IN (SELECT id FROM ${table}
                       WHERE probe_at IS NULL AND status IN ('active', 'access_lost')
                       LIMIT ${limit} FOR UPDATE SKIP LOCKED)`;
    }
    return count;
  }

  /** SYSTEM SCOPE. Gives back the leases `owner` still holds on `refs` (a batch it will not refresh). */
  async releaseAll(refs: readonly CredentialRef[], owner: string): Promise<void> {
    for (const kind of ['installation', 'connection'] as const) {
      const ids = refs.filter((r) => r.kind === kind).map((r) => r.id);
      if (ids.length === 0) continue;
      if (kind === 'installation') {
        await this.uow.db.$executeRaw`
          UPDATE installations SET lease_owner = NULL, lease_until = NULL
           WHERE id = ANY(${ids}) AND lease_owner = ${owner}`;
      } else {
        await this.uow.db.$executeRaw`
          UPDATE connections SET lease_owner = NULL, lease_until = NULL
           WHERE id = ANY(${ids}) AND lease_owner = ${owner}`;
      }
    }
  }

  /** SYSTEM SCOPE. Credentials by kind, provider and status, across every project (for /metrics). */
  async countByStatus(): Promise<{ kind: string; provider: string; status: string; count: number }[]> {
    const rows = await this.uow.db.$queryRaw<{ kind: string; provider: string; status: string; count: bigint }[]>`
      SELECT 'installation' AS kind, provider, status, count(*) AS count FROM installations GROUP BY provider, status
      UNION ALL
      SELECT 'connection' AS kind, provider, status, count(*) AS count FROM connections GROUP BY provider, status`;
    return rows.map((r) => ({ ...r, count: Number(r.count) }));
  }

  /**
   * SYSTEM SCOPE. Apps whose client secret or certificate expires by `horizon` and that have not
   * yet had their last warning (expired), with the warning they had (null: none yet).
   */
  appsNearCredentialExpiry(
    horizon: Date,
    limit: number,
  ): Promise<{ id: string; projectId: string; expiresAt: Date; warnedDays: number | null }[]> {
    return this.uow.db.$queryRaw`
      SELECT id, project_id AS "projectId", credential_expires_at AS "expiresAt", credential_warned_days AS "warnedDays"
        FROM provider_apps
       WHERE credential_expires_at <= ${horizon} AND (credential_warned_days IS NULL OR credential_warned_days > 0)
       ORDER BY credential_expires_at
       LIMIT ${limit}`;
  }

  /** Records warning `days` for the app if its warning and expiry are still those read; false when another replica did. */
  async markAppWarned(
    projectId: string,
    id: string,
    expiresAt: Date,
    previous: number | null,
    days: number,
  ): Promise<boolean> {
    const count = await this.uow.db.$executeRaw`
      UPDATE provider_apps SET credential_warned_days = ${days}
       WHERE project_id = ${projectId} AND id = ${id} AND credential_expires_at = ${expiresAt}
         AND credential_warned_days IS NOT DISTINCT FROM ${previous}::int`;
    return count === 1;
  }

  /**
   * SYSTEM SCOPE. Connections whose last good refresh is at or before `lastRefreshedBefore` (their
   * refresh token nears the inactivity limit), still refreshable, and not yet warned.
   */
  idleConnections(lastRefreshedBefore: Date, limit: number): Promise<IdleConnection[]> {
    // The row's tenant ids are branded as read (a database edge).
    return this.uow.db.$queryRaw`
      SELECT c.id, c.project_id AS "projectId", c.tenant_id AS "tenantRowId", t.external_id AS "tenantExternalId",
             c.last_refreshed_at AS "lastRefreshedAt"
        FROM connections c JOIN tenants t ON t.id = c.tenant_id
       WHERE c.last_refreshed_at <= ${lastRefreshedBefore} AND c.expiry_warned_at IS NULL
         AND c.status IN ('active', 'degraded', 'access_lost')
       ORDER BY c.last_refreshed_at
       LIMIT ${limit}`;
  }

  /** Marks the connection warned, if no replica did; false when one did (or a refresh moved it on). */
  async markConnectionWarned(projectId: string, id: string, lastRefreshedAt: Date, at: Date): Promise<boolean> {
    const count = await this.uow.db.$executeRaw`
      UPDATE connections SET expiry_warned_at = ${at}
       WHERE project_id = ${projectId} AND id = ${id} AND expiry_warned_at IS NULL
         AND last_refreshed_at = ${lastRefreshedAt}`;
    return count === 1;
  }
}
