import { z } from 'zod';
import { pageQuerySchema } from '../common/cursor';
import { tenantIdSchema } from '../tenants/tenant.dto';
import type { EventRecord } from './events.repository';

/** Query of GET /v1/events. */
export const listEventsQuerySchema = pageQuerySchema.extend({
  tenantId: tenantIdSchema.optional(),
  type: z.string().min(1).max(100).optional(),
  /** An installation or connection id: its own events and the `credential.*` events about it. */
  credentialId: z.string().min(1).max(100).optional(),
  appId: z.string().min(1).max(100).optional(),
  /** ISO date: events created at or after it. */
  since: z.iso.datetime({ offset: true }).optional(),
});
export type ListEventsQuery = z.infer<typeof listEventsQuerySchema>;

/** An event as the API shows it. */
export interface EventDto {
  id: string;
  type: string;
  tenantId: string | null;
  payload: Record<string, unknown>;
  createdAt: string;
}

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
