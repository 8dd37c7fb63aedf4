import type { DeliveryDto, WebhookEndpointDto } from '@authpipe/contract';
import type { DeliveryRecord } from './webhook-deliveries.repository';
import type { WebhookEndpointRecord } from './webhook-endpoints.repository';

// The request and response schemas are the contract's.
export {
  createEndpointSchema,
  deliveryIdSchema,
  endpointIdSchema,
  listDeliveriesQuerySchema,
  replayRangeSchema,
  rotateSecretSchema,
  updateEndpointSchema,
  type CreateEndpointInput,
  type DeliveryDto,
  type ListDeliveriesQuery,
  type ReplayRangeInput,
  type RotateSecretInput,
  type UpdateEndpointInput,
  type WebhookEndpointDto,
} from '@authpipe/contract';

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
