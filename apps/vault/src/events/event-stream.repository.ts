import { Injectable } from '@nestjs/common';
import { Prisma } from '@authpipe/prisma';
import type { TenantRowId } from '../common/tenant-ids';
import { UnitOfWork } from '../database/unit-of-work';
import { readCommittedEvents } from './committed-events';
import type { EventPosition, EventRecord } from './events.repository';

/** An event as the stream's consumers see it: with its project and tenant row. */
export interface StreamEvent extends EventRecord {
  projectId: string;
  tenantRowId: TenantRowId | null;
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
   * {@link readCommittedEvents}: a late commit is never skipped). System scope: for the stream's
   * consumers only.
   */
  readAfter(after: EventPosition, limit: number): Promise<StreamEvent[]> {
    return readCommittedEvents(this.uow.db, [Prisma.sql`(tx_id, seq) > (${after.txId}, ${after.seq})`], limit);
  }
}
