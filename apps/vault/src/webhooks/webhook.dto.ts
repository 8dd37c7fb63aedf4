import { z } from 'zod';
import { pageQuerySchema } from '../common/cursor';
import type { DeliveryRecord } from './webhook-deliveries.repository';
import type { WebhookEndpointRecord } from './webhook-endpoints.repository';

const eventTypePattern = z
  .string()
  .regex(/^[a-z_]+(\.[a-z_.]+|\.\*)$/, 'must be an event type (credential.status_changed) or a family (credential.*)');

/** Body of POST /v1/webhook-endpoints. */
export const createEndpointSchema = z.strictObject({
  url: z.string().min(1).max(2000),
  description: z.string().max(500).optional(),
  /** Event types to deliver; empty or absent: all. */
  eventTypes: z.array(eventTypePattern).max(100).default([]),
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
    .optional(),
});
export type RotateSecretInput = z.infer<typeof rotateSecretSchema>;

/** Body of POST /v1/webhook-endpoints/:id/replay: deliveries created in [since, until). */
export const replayRangeSchema = z.strictObject({
  since: z.iso.datetime({ offset: true }),
  until: z.iso.datetime({ offset: true }).optional(),
});
export type ReplayRangeInput = z.infer<typeof replayRangeSchema>;

export const endpointIdSchema = z.string().regex(/^ep_[A-Za-z0-9]{1,64}$/, 'must be a webhook endpoint id');
export const deliveryIdSchema = z.string().regex(/^msg_[A-Za-z0-9]{1,64}$/, 'must be a delivery id');

export const listDeliveriesQuerySchema = pageQuerySchema.extend({
  status: z.enum(['pending', 'succeeded', 'dead']).optional(),
  eventId: z.string().min(1).max(100).optional(),
});
export type ListDeliveriesQuery = z.infer<typeof listDeliveriesQuerySchema>;

/** An endpoint as the API shows it: never key material, only which secrets sign and until when. */
export interface WebhookEndpointDto {
  id: string;
  url: string;
  description: string | null;
  eventTypes: string[];
  disabled: boolean;
  secrets: { id: string; createdAt: string; expiresAt: string | null }[];
  createdAt: string;
  updatedAt: string;
}

export function toEndpointDto(endpoint: WebhookEndpointRecord): WebhookEndpointDto {
  return {
    id: endpoint.id,
    url: endpoint.url,
    description: endpoint.description,
    eventTypes: endpoint.eventTypes,
    disabled: endpoint.disabled,
    secrets: endpoint.secrets.map((s) => ({
      id: s.id,
      createdAt: s.createdAt.toISOString(),
      expiresAt: s.expiresAt?.toISOString() ?? null,
    })),
    createdAt: endpoint.createdAt.toISOString(),
    updatedAt: endpoint.updatedAt.toISOString(),
  };
}

/** A delivery in the log. */
export interface DeliveryDto {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  tenantId: string | null;
  status: string;
  attempts: number;
  nextAttemptAt: string | null;
  giveUpAt: string;
  lastAttemptAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  finishedAt: string | null;
  payload: unknown;
}

export function toDeliveryDto(d: DeliveryRecord): DeliveryDto {
  return {
    id: d.id,
    endpointId: d.endpointId,
    eventId: d.eventId,
    eventType: d.eventType,
    tenantId: d.tenantExternalId,
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: d.status === 'pending' ? d.nextAttemptAt.toISOString() : null,
    giveUpAt: d.giveUpAt.toISOString(),
    lastAttemptAt: d.lastAttemptAt?.toISOString() ?? null,
    lastStatusCode: d.lastStatusCode,
    lastError: d.lastError,
    createdAt: d.createdAt.toISOString(),
    finishedAt: d.finishedAt?.toISOString() ?? null,
    payload: JSON.parse(d.body) as unknown,
  };
}
