import { Injectable } from '@nestjs/common';
import { PrismaClient, type Prisma } from '@authpipe/prisma';
import type { EventPayload, EventType } from './events.types';

/** A stored event as the API shows it. */
export interface EventRecord {
  id: string;
  tenantExternalId: string | null;
  type: EventType;
  payload: EventPayload;
  createdAt: Date;
}

export interface EventFilter {
  tenantExternalId?: string;
  type?: string;
}

const select = { id: true, tenantExternalId: true, type: true, payload: true, createdAt: true } as const;

/** Append-only `events`: insert and read, never update. Every read takes the project first. */
@Injectable()
export class EventsRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async insert(
    projectId: string,
    tenant: { id: string; externalId: string } | null,
    event: { id: string; type: EventType; payload: EventPayload; createdAt: Date },
  ): Promise<EventRecord> {
    const row = await this.prisma.event.create({
      data: {
        id: event.id,
        projectId,
        tenantId: tenant?.id ?? null,
        tenantExternalId: tenant?.externalId ?? null,
        type: event.type,
        payload: event.payload,
        createdAt: event.createdAt,
      },
      select,
    });
    return toRecord(row);
  }

  /** A page of the project's events in id (= time) order, strictly after `after`. */
  async list(projectId: string, filter: EventFilter, page: { limit: number; after?: string }): Promise<EventRecord[]> {
    const rows = await this.prisma.event.findMany({
      where: {
        projectId,
        ...(filter.tenantExternalId !== undefined ? { tenantExternalId: filter.tenantExternalId } : {}),
        ...(filter.type !== undefined ? { type: filter.type } : {}),
        ...(page.after !== undefined ? { id: { gt: page.after } } : {}),
      },
      orderBy: { id: 'asc' },
      take: page.limit,
      select,
    });
    return rows.map(toRecord);
  }
}

function toRecord(row: {
  id: string;
  tenantExternalId: string | null;
  type: string;
  payload: Prisma.JsonValue;
  createdAt: Date;
}): EventRecord {
  return {
    id: row.id,
    tenantExternalId: row.tenantExternalId,
    type: row.type as EventType,
    payload: row.payload as EventPayload,
    createdAt: row.createdAt,
  };
}
