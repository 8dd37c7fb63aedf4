import { Inject, Injectable } from '@nestjs/common';
import { z } from 'zod';
import { ApiError } from '../common/api-error';
import { CLOCK, type Clock } from '../common/clock';
import { IDS, type IdGenerator } from '../common/id-generator';
import { asTenantExternalId, type TenantExternalId, type TenantRef } from '../common/tenant-ids';
import { TenantResolver } from '../keys/tenant-resolver';
import { toEventDto, type EventPageDto, type ListEventsQuery } from './event.dto';
import { EventsRepository, type EventPosition, type EventRecord } from './events.repository';
import { eventPayloadSchema, eventTypeSchema, type EventPayload, type EventType } from './events.types';

/** The tenant an event is about: its row id and the project's id for it. */
export type EventTenant = Pick<TenantRef, 'tenantRowId' | 'tenantExternalId'>;

/**
 * The project's append-only event log: what the flows, the scheduler and the health checks
 * record, and what webhooks will deliver. Appends join the caller's unit of work, so an event
 * commits with the change it records or not at all.
 */
@Injectable()
export class EventsService {
  constructor(
    private readonly events: EventsRepository,
    private readonly tenants: TenantResolver,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(IDS) private readonly ids: IdGenerator,
  ) {}

  /**
   * Appends one event about the tenant the project calls `tenantExternalId` (`org_acme`), or a
   * project-wide one (null) such as `app.checked`; the tenant is created on first use.
   *
   * @throws Error when the payload has a key naming a secret (a bug in the caller, never stored).
   */
  async append(
    projectId: string,
    tenantExternalId: TenantExternalId | null,
    type: EventType,
    payload: EventPayload,
  ): Promise<EventRecord> {
    const tenant = tenantExternalId === null ? null : await this.tenants.resolve(projectId, tenantExternalId);
    return this.appendFor(projectId, tenant, type, payload);
  }

  /** Appends one event about a tenant whose row is known (inside a change's transaction). */
  appendFor(
    projectId: string,
    tenant: EventTenant | null,
    type: EventType,
    payload: EventPayload,
  ): Promise<EventRecord> {
    const checkedType = eventTypeSchema.parse(type);
    const checkedPayload = eventPayloadSchema.parse(payload);
    return this.events.insert(projectId, tenant, {
      id: this.ids.next('evt'),
      type: checkedType,
      payload: checkedPayload,
      createdAt: new Date(this.clock()),
    });
  }

  async list(projectId: string, query: ListEventsQuery): Promise<EventPageDto> {
    const after = query.cursor !== undefined ? decodePosition(query.cursor) : undefined;
    const rows = await this.events.list(
      projectId,
      {
        tenantExternalId: asTenantExternalId(query.tenantId),
        type: query.type,
        credentialId: query.credentialId,
        appId: query.appId,
        since: query.since !== undefined ? new Date(query.since) : undefined,
      },
      { limit: query.limit + 1, after },
    );
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      data: page.map(toEventDto),
      nextCursor: rows.length > query.limit && last ? encodePosition(last.position) : null,
    };
  }
}

const positionSchema = z.object({ tx: z.string().regex(/^\d{1,19}$/), seq: z.string().regex(/^\d{1,19}$/) });

/** An event cursor: opaque base64url of the last position read. */
function encodePosition(position: EventPosition): string {
  return Buffer.from(JSON.stringify({ tx: String(position.txId), seq: String(position.seq) })).toString('base64url');
}

function decodePosition(cursor: string): EventPosition {
  try {
    const { tx, seq } = positionSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return { txId: BigInt(tx), seq: BigInt(seq) };
  } catch {
    throw ApiError.invalidRequest('The cursor is invalid.', [
      { path: 'cursor', message: 'not a cursor returned by this API' },
    ]);
  }
}
