import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '../database/unit-of-work';
import type { EventPosition } from '../events/events.repository';

/**
 * The purge's system-scope deletes (every project's old records), one batch each: the rows are
 * picked with `FOR UPDATE SKIP LOCKED`, so replicas purging at once split the work instead of
 * waiting on each other.
 */
@Injectable()
export class RetentionRepository {
  constructor(private readonly uow: UnitOfWork) {}

  /** Events created before `before` that the event stream consumer has already processed. */
  purgeEvents(before: Date, consumed: EventPosition, batch: number): Promise<number> {
    return this.uow.db.$executeRaw`
      DELETE FROM events WHERE id IN (
        SELECT id FROM events
         WHERE created_at < ${before} AND (tx_id, seq) <= (${consumed.txId}, ${consumed.seq})
         LIMIT ${batch} FOR UPDATE SKIP LOCKED)`;
  }

  /** Delivered or dead-lettered deliveries finished before `before`. */
  purgeDeliveries(before: Date, batch: number): Promise<number> {
    return this.uow.db.$executeRaw`
      DELETE FROM webhook_deliveries WHERE id IN (
        SELECT id FROM webhook_deliveries
         WHERE status <> 'pending' AND finished_at < ${before}
         LIMIT ${batch} FOR UPDATE SKIP LOCKED)`;
  }

  purgeHistory(before: Date, batch: number): Promise<number> {
    return this.uow.db.$executeRaw`
      DELETE FROM credential_history WHERE id IN (
        SELECT id FROM credential_history WHERE created_at < ${before}
         LIMIT ${batch} FOR UPDATE SKIP LOCKED)`;
  }

  purgeResolvedIssues(before: Date, batch: number): Promise<number> {
    return this.uow.db.$executeRaw`
      DELETE FROM issues WHERE id IN (
        SELECT id FROM issues WHERE status = 'resolved' AND resolved_at < ${before}
         LIMIT ${batch} FOR UPDATE SKIP LOCKED)`;
  }
}
