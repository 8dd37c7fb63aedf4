import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '../database/unit-of-work';

export type DeliveryStatus = 'pending' | 'succeeded' | 'dead';

/** A delivery as the log shows it. */
export interface DeliveryRecord {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  tenantExternalId: string | null;
  orderingKey: string;
  body: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: Date;
  giveUpAt: Date;
  lastAttemptAt: Date | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

/** A delivery claimed for one attempt (system scope: every project's). */
export interface ClaimedDelivery {
  id: string;
  projectId: string;
  endpointId: string;
  url: string;
  eventId: string;
  body: string;
  attempts: number;
  giveUpAt: Date;
}

export interface NewDelivery {
  id: string;
  projectId: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  tenantExternalId: string | null;
  orderingKey: string;
  body: string;
  createdAt: Date;
  giveUpAt: Date;
}

interface ClaimRow {
  id: string;
  project_id: string;
  endpoint_id: string;
  url: string;
  event_id: string;
  body: string;
  attempts: number;
  give_up_at: Date;
}

/**
 * The webhook outbox. Project-scoped reads and replays for the API; the dispatcher's claim and
 * result writes are the named system-scope queries (they serve every project's deliveries).
 */
@Injectable()
export class WebhookDeliveriesRepository {
  constructor(private readonly uow: UnitOfWork) {}

  async insertMany(deliveries: readonly NewDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    // One by one: `seq` (the outbox order) must follow the order given, which createMany does not promise.
    for (const d of deliveries) {
      await this.uow.db.webhookDelivery.create({
        data: { ...d, status: 'pending', nextAttemptAt: d.createdAt },
        select: { id: true },
      });
    }
  }

  /**
   * System scope: leases up to `limit` due deliveries that head their chain, i.e. no earlier
   * delivery of the same (endpoint, ordering key) is still pending (and the endpoint is not
   * disabled: its deliveries wait until it is enabled again), so a credential's events
   * reach an endpoint in order and one at a time. `FOR UPDATE SKIP LOCKED` shares the work
   * between replicas; the lease bounds how long a crashed replica's claim blocks the chain.
   */
  async claimDue(now: Date, leaseUntil: Date, limit: number): Promise<ClaimedDelivery[]> {
    const rows = await this.uow.db.$queryRaw<ClaimRow[]>`
      UPDATE webhook_deliveries d
         SET lease_until = ${leaseUntil}
        FROM webhook_endpoints e
       WHERE e.id = d.endpoint_id
         AND d.id IN (
           SELECT c.id FROM webhook_deliveries c
            WHERE c.status = 'pending'
              AND c.next_attempt_at <= ${now}
              AND (c.lease_until IS NULL OR c.lease_until <= ${now})
              AND NOT EXISTS (SELECT 1 FROM webhook_endpoints x WHERE x.id = c.endpoint_id AND x.disabled)
              AND NOT EXISTS (
                SELECT 1 FROM webhook_deliveries p
                 WHERE p.endpoint_id = c.endpoint_id
                   AND p.ordering_key = c.ordering_key
                   AND p.status = 'pending'
                   AND p.seq < c.seq)
            ORDER BY c.next_attempt_at, c.seq
            LIMIT ${limit}
            FOR UPDATE OF c SKIP LOCKED)
      RETURNING d.id, d.project_id, d.endpoint_id, e.url, d.event_id, d.body, d.attempts, d.give_up_at`;
    return rows.map((r) => ({
      id: r.id,
      projectId: r.project_id,
      endpointId: r.endpoint_id,
      url: r.url,
      eventId: r.event_id,
      body: r.body,
      attempts: r.attempts,
      giveUpAt: r.give_up_at,
    }));
  }

  /** System scope: the outcome of one attempt of a claimed delivery. */
  async recordAttempt(
    id: string,
    outcome: {
      status: DeliveryStatus;
      at: Date;
      nextAttemptAt: Date;
      statusCode: number | null;
      error: string | null;
    },
  ): Promise<void> {
    await this.uow.db.webhookDelivery.updateMany({
      where: { id, status: 'pending' },
      data: {
        status: outcome.status,
        attempts: { increment: 1 },
        lastAttemptAt: outcome.at,
        nextAttemptAt: outcome.nextAttemptAt,
        lastStatusCode: outcome.statusCode,
        lastError: outcome.error,
        leaseUntil: null,
        finishedAt: outcome.status === 'pending' ? null : outcome.at,
      },
    });
  }

  async list(
    projectId: string,
    endpointId: string,
    filter: { status?: DeliveryStatus; eventId?: string },
    page: { limit: number; afterSeq?: bigint },
  ): Promise<(DeliveryRecord & { seq: bigint })[]> {
    return this.uow.db.webhookDelivery.findMany({
      where: {
        projectId,
        endpointId,
        ...(filter.status !== undefined ? { status: filter.status } : {}),
        ...(filter.eventId !== undefined ? { eventId: filter.eventId } : {}),
        ...(page.afterSeq !== undefined ? { seq: { gt: page.afterSeq } } : {}),
      },
      orderBy: { seq: 'asc' },
      take: page.limit,
      omit: { projectId: true, leaseUntil: true },
    }) as Promise<(DeliveryRecord & { seq: bigint })[]>;
  }

  /**
   * Sends deliveries again: one by id, or every one created in [from, to). Each gets a fresh
   * retry window; it keeps its place in its chain. Returns how many.
   */
  async replay(
    projectId: string,
    endpointId: string,
    which: { id: string } | { from: Date; to: Date },
    now: Date,
    giveUpAt: Date,
  ): Promise<number> {
    const result = await this.uow.db.webhookDelivery.updateMany({
      where: {
        projectId,
        endpointId,
        ...('id' in which ? { id: which.id } : { createdAt: { gte: which.from, lt: which.to } }),
      },
      data: { status: 'pending', nextAttemptAt: now, giveUpAt, leaseUntil: null, finishedAt: null },
    });
    return result.count;
  }

  /** System scope, for the metrics: deliveries waiting to be sent, by whether any attempt failed. */
  async countPendingAcrossProjects(): Promise<number> {
    return this.uow.db.webhookDelivery.count({ where: { status: 'pending' } });
  }
}
