import { Injectable } from '@nestjs/common';
import type { Prisma as P } from '@authpipe/prisma';
import { UnitOfWork } from '../database/unit-of-work';
import type { EventPosition, EventRecord } from './events.repository';
import type { EventPayload, EventType } from './events.types';

/** An event as the stream's consumers see it: with its project and tenant row. */
export interface StreamEvent extends EventRecord {
  projectId: string;
  tenantRowId: string | null;
}

interface StreamRow {
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
 * The system-scope queries of the event stream: every project's events in commit-safe order, and
 * the stored cursors of its consumers. The one place besides the purge that reads events across
 * projects; each consumer then scopes what it writes by the event's own project and tenant.
 */
@Injectable()
export class EventStreamRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /**
   * Locks the cursor `name` for the ambient transaction (creating it at the start of the stream),
   * or returns null when another replica holds it: the row lock is the consumer's lease.
   */
  async lockCursor(name: string): Promise<EventPosition | null> {
    await this.uow.db.$executeRaw`INSERT INTO event_cursors (name) VALUES (${name}) ON CONFLICT (name) DO NOTHING`;
    const rows = await this.uow.db.$queryRaw<{ tx_id: bigint; seq: bigint }[]>`
      SELECT tx_id, seq FROM event_cursors WHERE name = ${name} FOR UPDATE SKIP LOCKED`;
    const row = rows[0];
    return row ? { txId: BigInt(row.tx_id), seq: BigInt(row.seq) } : null;
  }

  /** Where the cursor `name` stands, without locking (null before its first batch). */
  async readCursor(name: string): Promise<EventPosition | null> {
    const rows = await this.uow.db.$queryRaw<{ tx_id: bigint; seq: bigint }[]>`
      SELECT tx_id, seq FROM event_cursors WHERE name = ${name}`;
    const row = rows[0];
    return row ? { txId: BigInt(row.tx_id), seq: BigInt(row.seq) } : null;
  }

  async moveCursor(name: string, to: EventPosition, at: Date): Promise<void> {
    await this.uow.db.$executeRaw`
      UPDATE event_cursors SET tx_id = ${to.txId}, seq = ${to.seq}, updated_at = ${at} WHERE name = ${name}`;
  }

  /**
   * The next events of every project after `after`, in commit-safe order (see
   * EventsRepository.list: only transactions older than every running one, so a late commit is
   * never skipped). System scope: for the stream's consumers only.
   */
  async readAfter(after: EventPosition, limit: number): Promise<StreamEvent[]> {
    const rows = await this.uow.db.$queryRaw<StreamRow[]>`
      SELECT id, project_id, tenant_id, tenant_external_id, type, payload, created_at, tx_id, seq
        FROM events
       WHERE (tx_id, seq) > (${after.txId}, ${after.seq})
         AND tx_id < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
       ORDER BY tx_id, seq
       LIMIT ${limit}`;
    return rows.map((row) => ({
      id: row.id,
      projectId: row.project_id,
      tenantRowId: row.tenant_id,
      tenantExternalId: row.tenant_external_id,
      type: row.type as EventType,
      payload: row.payload as EventPayload,
      createdAt: row.created_at,
      position: { txId: BigInt(row.tx_id), seq: BigInt(row.seq) },
    }));
  }
}
