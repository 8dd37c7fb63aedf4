import { Prisma, type Prisma as P } from '@authpipe/prisma';
import { asTenantExternalId, asTenantRowId } from '../common/tenant-ids';
import type { Db } from '../database/unit-of-work';
import type { EventRecord } from './events.repository';
import type { StreamEvent } from './event-stream.repository';
import type { EventPayload, EventType } from './events.types';

interface EventRow {
  id: string;
  project_id: string;
  tenant_id: string | null;
  tenant_external_id: string | null;
  type: string;
  payload: P.JsonValue;
  created_at: Date;
  tx_id: bigint;
  seq: bigint;
}

/**
 * Events matching `conditions`, in commit-safe order: by the writing transaction's id, then
 * sequence, and only events of transactions older than every transaction still running
 * (`pg_snapshot_xmin`). A transaction that commits late has a smaller id than one already read
 * only if it was running when the reader looked, and then none of the events after it were
 * returned yet: a reader walking a cursor never skips an event that commits late. The price: an
 * event is listed only once every older transaction of the server has ended (the snapshot's xmin
 * is server-wide), so a long transaction anywhere on a shared server, or a session left idle in a
 * transaction, delays new events until it ends. The caller scopes `conditions` (a project, or
 * the stream's system scope).
 */
export async function readCommittedEvents(db: Db, conditions: Prisma.Sql[], limit: number): Promise<StreamEvent[]> {
  const rows = await db.$queryRaw<EventRow[]>`
    SELECT id, project_id, tenant_id, tenant_external_id, type, payload, created_at, tx_id, seq
      FROM events
     WHERE ${Prisma.join([...conditions, COMMITTED], ' AND ')}
     ORDER BY tx_id, seq
     LIMIT ${limit}`;
  return rows.map((row) => ({
    ...toEventRecord(row),
    projectId: row.project_id,
    tenantRowId: asTenantRowId(row.tenant_id),
  }));
}

const COMMITTED = Prisma.sql`tx_id < pg_snapshot_xmin(pg_current_snapshot())::text::bigint`;

function toEventRecord(row: EventRow): EventRecord {
  return {
    id: row.id,
    tenantExternalId: asTenantExternalId(row.tenant_external_id),
    type: row.type as EventType,
    payload: row.payload as EventPayload,
    createdAt: row.created_at,
    position: { txId: BigInt(row.tx_id), seq: BigInt(row.seq) },
  };
}
