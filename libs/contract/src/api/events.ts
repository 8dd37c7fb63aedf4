import { z } from 'zod';
import { isoDateTime, pageQueryFields, recordIdSchema, tenantIdSchema } from './common';

/** Query of GET /v1/events. */
export const listEventsQuerySchema = z.strictObject({
  ...pageQueryFields,
  tenantId: tenantIdSchema.optional(),
  type: z.string().min(1).max(100).optional().describe('One event name of the catalog, e.g. installation.created.'),
  credentialId: recordIdSchema
    .optional()
    .describe('An installation or connection id: its own events and the credential.* events about it.'),
  appId: recordIdSchema.optional().describe("An app id: the app's own events."),
  since: z.iso.datetime({ offset: true }).optional().describe('ISO date: events created at or after it.'),
});
export type ListEventsQuery = z.infer<typeof listEventsQuerySchema>;

/** An event as the API shows it; `payload` follows the event catalog (EVENT_CATALOG[type]). */
export const eventSchema = z.object({
  id: z.string(),
  type: z.string().describe('An event name of the catalog.'),
  tenantId: z.string().nullable(),
  payload: z.record(z.string(), z.unknown()),
  createdAt: isoDateTime,
});
export type EventDto = z.infer<typeof eventSchema>;
