import { Injectable } from '@nestjs/common';
import { Prisma, type Prisma as P } from '@authpipe/prisma';
import { UnitOfWork } from '../database/unit-of-work';
import type { EventPayload, EventType } from './events.types';

/** A stored event as the API shows it. */
export interface EventRecord {
  id: string;
  tenantExternalId: string | null;
  type: EventType;
  payload: EventPayload;
  createdAt: Date;
  /** Where the event stands in the log: see {@link EventsRepository.list}. */
  position: EventPosition;
}

/** An event's place in the commit-safe order: its transaction, then its sequence number. */
export interface EventPosition {
  txId: bigint;
  seq: bigint;
}

export interface EventFilter {
  tenantExternalId?: string;
  type?: string;
  /** Events about this installation or connection (`credential.*` and its own events). */
  credentialId?: string;
  appId?: string;
  /** Events created at or after this date. */
  since?: Date;
}

interface EventRow {
  id: string;
  tenant_external_id: string | null;
  type: string;
  payload: P.JsonValue;
  created_at: Date;
  tx_id: bigint;
  seq: bigint;
}

/**
 * Append-only `events`: insert and read, never update. Every read takes the project first.
 * Inserts go through the ambient transaction, so an event commits with the change it records.
 */
@Injectable()
export class EventsRepository {
  constructor(private readonly uow: UnitOfWork) {}

  async insert(
    projectId: string,
    tenant: { id: string; externalId: string } | null,
    event: { id: string; type: EventType; payload: EventPayload; createdAt: Date },
  ): Promise<EventRecord> {
    const row = await this.uow.db.event.create({
      data: {
        id: event.id,
        projectId,
        tenantId: tenant?.id ?? null,
        tenantExternalId: tenant?.externalId ?? null,
        type: event.type,
        payload: event.payload,
        createdAt: event.createdAt,
      },
      select: { id: true, tenantExternalId: true, type: true, payload: true, createdAt: true, txId: true, seq: true },
    });
    return {
      id: row.id,
      tenantExternalId: row.tenantExternalId,
      type: row.type as EventType,
      payload: row.payload as EventPayload,
      createdAt: row.createdAt,
      position: { txId: row.txId, seq: row.seq },
    };
  }

  /**
   * A page of the project's events after `after`, in commit-safe order: by the writing
   * transaction's id, then sequence, and only events of transactions older than every transaction
   * still running (`pg_snapshot_xmin`). A transaction that commits late has a smaller id than one
   * already read only if it was running when the reader looked, and then none of the events after
   * it were returned yet: a reader walking the cursor never skips an event that commits late.
   * The price: an event is listed only once every older transaction of the server has ended (the
   * snapshot's xmin is server-wide), so a long transaction anywhere on a shared server, or a
   * session left idle in a transaction, delays new events until it ends.
   */
  async list(
    projectId: string,
    filter: EventFilter,
    page: { limit: number; after?: EventPosition },
  ): Promise<EventRecord[]> {
    const conditions = [Prisma.sql`project_id = ${projectId}`];
    if (filter.tenantExternalId !== undefined)
      conditions.push(Prisma.sql`tenant_external_id = ${filter.tenantExternalId}`);
    if (filter.type !== undefined) conditions.push(Prisma.sql`type = ${filter.type}`);
    if (filter.credentialId !== undefined) {
      const id = filter.credentialId;
      conditions.push(
        Prisma.sql`(payload->>'credentialId' = ${id} OR payload->>'installationId' = ${id} OR payload->>'connectionId' = ${id})`,
      );
    }
    if (filter.appId !== undefined) conditions.push(Prisma.sql`payload->>'appId' = ${filter.appId}`);
    if (filter.since !== undefined) conditions.push(Prisma.sql`created_at >= ${filter.since}`);
    if (page.after !== undefined) conditions.push(Prisma.sql`(tx_id, seq) > (${page.after.txId}, ${page.after.seq})`);
    const rows = await this.uow.db.$queryRaw<EventRow[]>`
      SELECT id, tenant_external_id, type, payload, created_at, tx_id, seq
        FROM events
       WHERE ${Prisma.join(conditions, ' AND ')}
         AND tx_id < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
       ORDER BY tx_id, seq
       LIMIT ${page.limit}`;
    return rows.map((row) => ({
      id: row.id,
      tenantExternalId: row.tenant_external_id,
      type: row.type as EventType,
      payload: row.payload as EventPayload,
      createdAt: row.created_at,
      position: { txId: BigInt(row.tx_id), seq: BigInt(row.seq) },
    }));
  }
}
