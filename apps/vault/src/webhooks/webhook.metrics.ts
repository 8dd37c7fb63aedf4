import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository';

/** Result of one delivery attempt: delivered, failed (to be retried), or failed for the last time. */
export type AttemptResult = 'succeeded' | 'failed' | 'dead';

/** `authpipe_webhook_deliveries_total{result}` and `authpipe_webhook_deliveries_pending`. */
@Injectable()
export class WebhookMetrics {
  private readonly attempts: Counter<'result'>;

  constructor(metrics: MetricsService, deliveries: WebhookDeliveriesRepository) {
    this.attempts = new Counter({
      name: 'authpipe_webhook_deliveries_total',
      help: 'Webhook delivery attempts by result: succeeded, failed (retried later) or dead (retries exhausted)',
      labelNames: ['result'] as const,
      registers: [metrics.registry],
    });
    for (const result of ['succeeded', 'failed', 'dead'] as const) this.attempts.inc({ result }, 0);
    new Gauge({
      name: 'authpipe_webhook_deliveries_pending',
      help: 'Webhook deliveries waiting to be sent or retried, all projects',
      registers: [metrics.registry],
      async collect() {
        // The database unreachable: keep the last count rather than fail the whole scrape.
        const pending = await deliveries.countPendingAcrossProjects().catch(() => null);
        if (pending !== null) this.set(pending);
      },
    });
  }

  attempted(result: AttemptResult): void {
    this.attempts.inc({ result });
  }
}
