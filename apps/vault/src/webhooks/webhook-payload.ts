import type { StreamEvent } from '../events/event-stream.repository';

/**
 * The body of a webhook: Standard Webhooks' `{type, timestamp, data}`, `data` holding the event's
 * payload with its id, tenant and the per-subject sequence number (null for events about no
 * credential or app). Built once, when the delivery is written, and sent byte for byte.
 */
export function webhookBody(event: StreamEvent, sequence: number | null): string {
  return JSON.stringify({
    type: event.type,
    timestamp: event.createdAt.toISOString(),
    data: { ...event.payload, eventId: event.id, tenantId: event.tenantExternalId, sequence },
  });
}

/** Whether an endpoint's filter takes an event type: empty takes all; `credential.*` takes a family. */
export function filterTakes(eventTypes: readonly string[], type: string): boolean {
  if (eventTypes.length === 0) return true;
  return eventTypes.some((pattern) =>
    pattern.endsWith('.*') ? type.startsWith(pattern.slice(0, -1)) : pattern === type,
  );
}
