import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { HttpClient, HttpRequestError } from '@authpipe/microsoft';
import { CLOCK, type Clock } from '../common/clock';
import { RANDOM, type Random } from '../common/random';
import { VAULT_CONFIG } from '../config/config.module';
import type { VaultConfig } from '../config/config.schema';
import { WebhookDeliveriesRepository, type ClaimedDelivery } from './webhook-deliveries.repository';
import { WebhookKeys } from './webhook-keys';
import { WebhookMetrics } from './webhook.metrics';
import { signatureHeader } from './webhook-signature';

/** Deliveries claimed per round. */
const CLAIM_BATCH = 50;
/** Attempts in flight at once in this replica. */
const CONCURRENCY = 8;
/** First retry delay; each next one is 4 times longer, up to {@link MAX_DELAY_MS}. */
const FIRST_DELAY_MS = 5_000;
const MAX_DELAY_MS = 4 * 3_600_000;
/** Largest response body read from a receiver (it is discarded). */
const MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * The delay before retry number `attempt` (1 after the first failure): 5 s, 20 s, 80 s, 5 min,
 * 21 min, 85 min, then every 4 h, each with ±20% jitter so a receiver coming back is not hit by
 * every retry at once.
 */
export function retryDelayMs(attempt: number, jitter: number): number {
  const base = Math.min(FIRST_DELAY_MS * 4 ** Math.max(0, attempt - 1), MAX_DELAY_MS);
  return Math.round(base * (0.8 + 0.4 * jitter));
}

/**
 * Sends the outbox: every replica claims due deliveries heading their (endpoint, credential)
 * chain, posts each with Standard Webhooks headers (signed per attempt with every active secret,
 * on the vault's clock), and records the outcome: delivered on a 2xx, otherwise retried with
 * exponential backoff until the delivery's retry window closes, then a dead letter, which lets the
 * chain's next delivery go. Endpoint addresses are checked at connect time by the HTTP layer.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationShutdown {
  private readonly logger = new Logger(WebhookDispatcher.name);
  private readonly http: HttpClient;

  constructor(
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly keys: WebhookKeys,
    private readonly metrics: WebhookMetrics,
    @Inject(VAULT_CONFIG) private readonly config: VaultConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(RANDOM) private readonly random: Random,
  ) {
    this.http = new HttpClient({
      caCertificates: config.webhooks.caCertificates,
      allowPrivateNetworks: config.webhooks.allowPrivateNetworks,
      timeoutMs: config.webhooks.timeoutMs,
      connectTimeoutMs: Math.min(config.webhooks.timeoutMs, 10_000),
      maxResponseBytes: MAX_RESPONSE_BYTES,
      maxConnectionsPerOrigin: 4,
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.http.close();
  }

  @Cron(CronExpression.EVERY_SECOND, { name: 'webhook-dispatch', waitForCompletion: true })
  async tick(): Promise<void> {
    try {
      await this.dispatch();
    } catch (error) {
      this.logger.error({ err: error }, 'Dispatching webhooks failed; the next tick tries again');
    }
  }

  /**
   * Claims and sends until nothing is due (a chain's next delivery becomes due when its head is
   * done); returns how many attempts were made.
   */
  async dispatch(maxRounds = 100): Promise<number> {
    let attempts = 0;
    for (let round = 0; round < maxRounds; round++) {
      const now = this.clock();
      const claimed = await this.deliveries.claimDue(
        new Date(now),
        new Date(now + this.config.webhooks.timeoutMs * 2 + 5_000),
        CLAIM_BATCH,
      );
      if (claimed.length === 0) break;
      for (let i = 0; i < claimed.length; i += CONCURRENCY) {
        await Promise.all(claimed.slice(i, i + CONCURRENCY).map((d) => this.attempt(d)));
      }
      attempts += claimed.length;
    }
    return attempts;
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const sentAt = this.clock();
    let statusCode: number | null = null;
    let error: string | null = null;
    let keys: Buffer[] = [];
    try {
      keys = await this.keys.signingKeys(delivery.projectId, delivery.endpointId);
      const timestamp = Math.floor(sentAt / 1000);
      const response = await this.http.request({
        method: 'POST',
        url: delivery.url,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Authpipe-Webhooks/1',
          'webhook-id': delivery.eventId,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signatureHeader(keys, delivery.eventId, timestamp, delivery.body),
        },
        body: delivery.body,
      });
      statusCode = response.status;
      if (response.status < 200 || response.status > 299) error = `http_${response.status}`;
    } catch (cause) {
      // Codes only: the URL's path and the body stay out of the log and the delivery log.
      error = cause instanceof HttpRequestError ? cause.failure : 'internal_error';
      if (!(cause instanceof HttpRequestError)) {
        this.logger.error({ err: cause, deliveryId: delivery.id }, 'A webhook attempt failed before sending');
      }
    } finally {
      for (const key of keys) key.fill(0);
    }
    const at = this.clock();
    if (error === null) {
      await this.record(delivery, { status: 'succeeded', at, next: at, statusCode, error: null });
      return;
    }
    const attempt = delivery.attempts + 1;
    if (at >= delivery.giveUpAt.getTime()) {
      this.logger.warn(
        { deliveryId: delivery.id, endpointId: delivery.endpointId, attempts: attempt, error },
        'A webhook delivery is a dead letter: its retry window has closed',
      );
      await this.record(delivery, { status: 'dead', at, next: at, statusCode, error });
      return;
    }
    const jitter = this.random.bytes(1)[0] / 255;
    const next = Math.min(at + retryDelayMs(attempt, jitter), delivery.giveUpAt.getTime());
    await this.record(delivery, { status: 'pending', at, next, statusCode, error });
  }

  private async record(
    delivery: ClaimedDelivery,
    outcome: {
      status: 'pending' | 'succeeded' | 'dead';
      at: number;
      next: number;
      statusCode: number | null;
      error: string | null;
    },
  ): Promise<void> {
    await this.deliveries.recordAttempt(delivery.id, {
      status: outcome.status,
      at: new Date(outcome.at),
      nextAttemptAt: new Date(outcome.next),
      statusCode: outcome.statusCode,
      error: outcome.error,
    });
    this.metrics.attempted(
      outcome.status === 'succeeded' ? 'succeeded' : outcome.status === 'dead' ? 'dead' : 'failed',
    );
  }
}
