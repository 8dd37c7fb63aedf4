import { z } from 'zod';
import { isoDateTime, pageQueryFields } from './common';

const eventTypePattern = z
  .string()
  .regex(/^[a-z_]+(\.[a-z_.]+|\.\*)$/, 'must be an event type (credential.status_changed) or a family (credential.*)');

/** Body of POST /v1/webhook-endpoints. */
export const createEndpointSchema = z.strictObject({
  url: z.string().min(1).max(2000).describe('Where to POST the events: a public https URL.'),
  description: z.string().max(500).optional(),
  /** Event types to deliver; empty or absent: all. */
  eventTypes: z
    .array(eventTypePattern)
    .max(100)
    .default([])
    .describe('Event types (credential.status_changed) or families (credential.*) to deliver; empty: all.'),
});
export type CreateEndpointInput = z.infer<typeof createEndpointSchema>;

/** Body of PATCH /v1/webhook-endpoints/:id. */
export const updateEndpointSchema = z
  .strictObject({
    url: z.string().min(1).max(2000).optional(),
    description: z.string().max(500).nullable().optional(),
    eventTypes: z.array(eventTypePattern).max(100).optional(),
    disabled: z.boolean().optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: 'nothing to change' });
export type UpdateEndpointInput = z.infer<typeof updateEndpointSchema>;

/** Body of POST /v1/webhook-endpoints/:id/rotate-secret. */
export const rotateSecretSchema = z.strictObject({
  /** How long the current secrets keep signing beside the new one (default from configuration). */
  overlapSeconds: z
    .number()
    .int()
    .min(0)
    .max(7 * 86_400)
    .optional()
    .describe('How long the current secrets keep signing beside the new one (default from configuration).'),
});
export type RotateSecretInput = z.infer<typeof rotateSecretSchema>;

/** Body of POST /v1/webhook-endpoints/:id/replay: deliveries created in [since, until). */
export const replayRangeSchema = z.strictObject({
  since: z.iso.datetime({ offset: true }).describe('ISO date: deliveries created at or after it.'),
  until: z.iso.datetime({ offset: true }).optional().describe('ISO date: deliveries created before it.'),
});
export type ReplayRangeInput = z.infer<typeof replayRangeSchema>;

export const endpointIdSchema = z.string().regex(/^ep_[A-Za-z0-9]{1,64}$/, 'must be a webhook endpoint id');
export const deliveryIdSchema = z.string().regex(/^msg_[A-Za-z0-9]{1,64}$/, 'must be a delivery id');

/** Path of the routes addressing one endpoint. */
export const endpointParamsSchema = z.strictObject({ id: endpointIdSchema.describe('A webhook endpoint id (ep_…).') });
/** Path of the route addressing one delivery of an endpoint. */
export const deliveryParamsSchema = z.strictObject({
  id: endpointIdSchema.describe('A webhook endpoint id (ep_…).'),
  deliveryId: deliveryIdSchema.describe('A delivery id (msg_…).'),
});

/** Query of GET /v1/webhook-endpoints/:id/deliveries. */
export const listDeliveriesQuerySchema = z.strictObject({
  ...pageQueryFields,
  status: z.enum(['pending', 'succeeded', 'dead']).optional(),
  eventId: z.string().min(1).max(100).optional().describe('Only the deliveries of this event.'),
});
export type ListDeliveriesQuery = z.infer<typeof listDeliveriesQuerySchema>;

/** An endpoint as the API shows it: never key material, only which secrets sign and until when. */
export const webhookEndpointSchema = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string().nullable(),
  eventTypes: z.array(z.string()).describe('Empty: every event.'),
  disabled: z.boolean(),
  secrets: z
    .array(z.object({ id: z.string(), createdAt: isoDateTime, expiresAt: isoDateTime.nullable() }))
    .describe('The secrets that sign deliveries (never their text); an old one stops at expiresAt.'),
  createdAt: isoDateTime,
  updatedAt: isoDateTime,
});
export type WebhookEndpointDto = z.infer<typeof webhookEndpointSchema>;

/** An endpoint with its new signing secret: answered once, at creation or rotation. */
export const webhookEndpointWithSecretSchema = webhookEndpointSchema.extend({
  secret: z.string().describe('The whsec_ signing secret, shown this once.'),
});

/** A delivery in the log. */
export const deliverySchema = z.object({
  id: z.string(),
  endpointId: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  tenantId: z.string().nullable(),
  status: z.string().describe('pending, succeeded or dead.'),
  attempts: z.number().int(),
  nextAttemptAt: isoDateTime.nullable(),
  giveUpAt: isoDateTime,
  lastAttemptAt: isoDateTime.nullable(),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  createdAt: isoDateTime,
  finishedAt: isoDateTime.nullable(),
  payload: z.unknown().describe('The event as delivered.'),
});
export type DeliveryDto = z.infer<typeof deliverySchema>;

/** The answer of a replay: how many deliveries were queued again. */
export const replayedSchema = z.object({ replayed: z.number().int() });
