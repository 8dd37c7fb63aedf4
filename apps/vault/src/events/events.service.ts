import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { IDS, type IdGenerator } from '../common/id-generator';
import { decodeCursor, encodeCursor } from '../common/cursor';
import { TenantKeysRepository } from '../keys/tenant-keys.repository';
import { toEventDto, type EventPageDto, type ListEventsQuery } from './event.dto';
import { EventsRepository, type EventRecord } from './events.repository';
import { eventPayloadSchema, eventTypeSchema, type EventPayload, type EventType } from './events.types';

/**
 * The project's append-only event log: what the flows, the scheduler and the health checks
 * record, and what webhooks will deliver.
 */
@Injectable()
export class EventsService {
  constructor(
    private readonly events: EventsRepository,
    private readonly tenants: TenantKeysRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(IDS) private readonly ids: IdGenerator,
  ) {}

  /**
   * Appends one event. `tenantId` is the project's id for the tenant (`org_acme`), or null for
   * project-wide events such as `app.checked`.
   *
   * @throws Error when the payload has a key naming a secret (a bug in the caller, never stored).
   */
  async append(
    projectId: string,
    tenantId: string | null,
    type: EventType,
    payload: EventPayload,
  ): Promise<EventRecord> {
    const checkedType = eventTypeSchema.parse(type);
    const checkedPayload = eventPayloadSchema.parse(payload);
    const tenant = tenantId === null ? null : await this.tenants.ensureTenant(projectId, tenantId);
    const now = this.clock();
    return this.events.insert(projectId, tenant, {
      id: this.ids.next('evt'),
      type: checkedType,
      payload: checkedPayload,
      createdAt: new Date(now),
    });
  }

  async list(projectId: string, query: ListEventsQuery): Promise<EventPageDto> {
    const after = query.cursor !== undefined ? decodeCursor(query.cursor) : undefined;
    const rows = await this.events.list(
      projectId,
      { tenantExternalId: query.tenantId, type: query.type },
      { limit: query.limit + 1, after },
    );
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return { data: page.map(toEventDto), nextCursor: rows.length > query.limit && last ? encodeCursor(last.id) : null };
  }
}
