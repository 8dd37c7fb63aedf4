import { Injectable } from '@nestjs/common';
import { Prisma } from '@authpipe/prisma';
import type { TenantExternalId, TenantRef } from '../common/tenant-ids';
import { UnitOfWork } from '../database/unit-of-work';
import { readCommittedEvents } from './committed-events';
import type { EventPayload, EventType } from './events.types';

/** A stored event as the API shows it. */
export interface EventRecord {
  id: string;
  tenantExternalId: TenantExternalId | null;
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
  tenantExternalId?: TenantExternalId;
  type?: string;
  /** Events about this installation or connection (`credential.*` and its own events). */
  credentialId?: string;
  appId?: string;
  /** Events created at or after this date. */
  since?: Date;
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
    tenant: Pick<TenantRef, 'tenantRowId' | 'tenantExternalId'> | null,
    event: { id: string; type: EventType; payload: EventPayload; createdAt: Date },
  ): Promise<EventRecord> {
    const row = await this.uow.db.event.create({
      data: {
        id: event.id,
        projectId,
        tenantId: tenant?.tenantRowId ?? null,
        tenantExternalId: tenant?.tenantExternalId ?? null,
        type: event.type,
        payload: event.payload,
        createdAt: event.createdAt,
      },
      select: { id: true, type: true, payload: true, createdAt: true, txId: true, seq: true },
    });
    return {
      id: row.id,
      tenantExternalId: tenant?.tenantExternalId ?? null,
      type: row.type as EventType,
      payload: row.payload as EventPayload,
      createdAt: row.createdAt,
      position: { txId: row.txId, seq: row.seq },
    };
  }

  /**
   * A page of the project's events after `after`, in commit-safe order (see
   * {@link readCommittedEvents}: a reader walking the cursor never skips an event that commits late).
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
    const events = await readCommittedEvents(this.uow.db, conditions, page.limit);
    return events.map(({ projectId: _project, tenantRowId: _tenant, ...event }) => event);
  }
}
