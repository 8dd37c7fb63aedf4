import type { EventDto } from '@authpipe/contract';
import type { EventRecord } from './events.repository';

// The request and response schemas are the contract's.
export { listEventsQuerySchema, type EventDto, type ListEventsQuery } from '@authpipe/contract';

export interface EventPageDto {
  data: EventDto[];
  nextCursor: string | null;
}

export function toEventDto(event: EventRecord): EventDto {
  return {
    id: event.id,
    type: event.type,
    tenantId: event.tenantExternalId,
    payload: event.payload,
    createdAt: event.createdAt.toISOString(),
  };
}
