import { Inject, Injectable } from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { CLOCK, type Clock } from '../common/clock';
import { VAULT_CONFIG } from '../config/config.module';
import type { VaultConfig } from '../config/config.schema';
import { toDeliveryDto, type DeliveryDto, type ListDeliveriesQuery, type ReplayRangeInput } from './webhook.dto';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { WebhookEndpointsService } from './webhook-endpoints.service';

const cursorOf = (seq: bigint): string => Buffer.from(String(seq)).toString('base64url');

function seqOf(cursor: string): bigint {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^\d{1,19}$/.test(text)) {
    throw ApiError.invalidRequest('The cursor is invalid.', [
      { path: 'cursor', message: 'not a cursor returned by this API' },
    ]);
  }
  return BigInt(text);
}

/** The delivery log of an endpoint and replays. */
@Injectable()
export class WebhookDeliveriesService {
  constructor(
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly endpoints: WebhookEndpointsService,
    @Inject(VAULT_CONFIG) private readonly config: VaultConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async list(
    projectId: string,
    endpointId: string,
    query: ListDeliveriesQuery,
  ): Promise<{ data: DeliveryDto[]; nextCursor: string | null }> {
    await this.endpoints.find(projectId, endpointId);
    const rows = await this.deliveries.list(
      projectId,
      endpointId,
      { status: query.status, eventId: query.eventId },
      { limit: query.limit + 1, afterSeq: query.cursor !== undefined ? seqOf(query.cursor) : undefined },
    );
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return { data: page.map(toDeliveryDto), nextCursor: rows.length > query.limit && last ? cursorOf(last.seq) : null };
  }

  /** Sends one delivery again (with a fresh retry window). */
  async replayOne(projectId: string, endpointId: string, deliveryId: string): Promise<{ replayed: number }> {
    await this.endpoints.find(projectId, endpointId);
    const now = this.clock();
    const replayed = await this.deliveries.replay(
      projectId,
      endpointId,
      { id: deliveryId },
      new Date(now),
      new Date(now + this.config.webhooks.retryWindowMs),
    );
    if (replayed === 0) {
      throw ApiError.notFound('webhook_delivery_not_found', `No delivery ${deliveryId} for this endpoint.`);
    }
    return { replayed };
  }

  /** Sends again every delivery of the endpoint created in [since, until). */
  async replayRange(projectId: string, endpointId: string, input: ReplayRangeInput): Promise<{ replayed: number }> {
    await this.endpoints.find(projectId, endpointId);
    const now = this.clock();
    const from = new Date(input.since);
    const to = input.until !== undefined ? new Date(input.until) : new Date(now + 1);
    if (to <= from)
      throw ApiError.invalidRequest('until must be after since.', [{ path: 'until', message: 'before since' }]);
    const replayed = await this.deliveries.replay(
      projectId,
      endpointId,
      { from, to },
      new Date(now),
      new Date(now + this.config.webhooks.retryWindowMs),
    );
    return { replayed };
  }
}
