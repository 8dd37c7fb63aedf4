import { Injectable } from '@nestjs/common';
import { asTenantExternalId, asTenantRowId, type TenantExternalId, type TenantRowId } from '../common/tenant-ids';
import { UnitOfWork } from '../database/unit-of-work';

/** Credentials of one tenant whose last refresh fell in a window. */
export interface RefreshedTally {
  projectId: string;
  tenantRowId: TenantRowId;
  tenantExternalId: TenantExternalId;
  installations: number;
  connections: number;
}

/**
 * The system-scope queries of the `credential.refreshed` roll-up: where the last window ended
 * (a row whose lock lets one replica at a time roll up) and what was refreshed since, per tenant.
 */
@Injectable()
export class RefreshedRollupRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /** Locks the roll-up `name` for the ambient transaction; null when another replica holds it. */
  async lock(name: string, initialUntil: Date): Promise<Date | null> {
    await this.uow.db.$executeRaw`
      INSERT INTO event_rollups (name, until) VALUES (${name}, ${initialUntil}) ON CONFLICT (name) DO NOTHING`;
    const rows = await this.uow.db.$queryRaw<{ until: Date }[]>`
      SELECT until FROM event_rollups WHERE name = ${name} FOR UPDATE SKIP LOCKED`;
    return rows[0]?.until ?? null;
  }

  async moveTo(name: string, until: Date): Promise<void> {
    await this.uow.db.$executeRaw`UPDATE event_rollups SET until = ${until} WHERE name = ${name}`;
  }

  /** Per tenant, the installations and connections whose last refresh is in [since, until). */
  async tally(since: Date, until: Date): Promise<RefreshedTally[]> {
    const rows = await this.uow.db.$queryRaw<
      { project_id: string; tenant_id: string; external_id: string; installations: number; connections: number }[]
    >`
      SELECT c.project_id, c.tenant_id, t.external_id,
             count(*) FILTER (WHERE c.kind = 'installation')::int AS installations,
             count(*) FILTER (WHERE c.kind = 'connection')::int AS connections
        FROM (SELECT project_id, tenant_id, 'installation' AS kind FROM installations
               WHERE last_refreshed_at >= ${since} AND last_refreshed_at < ${until}
              UNION ALL
              SELECT project_id, tenant_id, 'connection' AS kind FROM connections
               WHERE last_refreshed_at >= ${since} AND last_refreshed_at < ${until}) c
        JOIN tenants t ON t.id = c.tenant_id
       GROUP BY c.project_id, c.tenant_id, t.external_id
       ORDER BY c.project_id, t.external_id`;
    return rows.map((r) => ({
      projectId: r.project_id,
      tenantRowId: asTenantRowId(r.tenant_id),
      tenantExternalId: asTenantExternalId(r.external_id),
      installations: r.installations,
      connections: r.connections,
    }));
  }
}
