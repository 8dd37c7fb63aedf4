import { Injectable } from '@nestjs/common';
import { Counter, Histogram, type Metric } from 'prom-client';

/** What a refresh attempt came to, as the metrics count it. */
export type AttemptResult = 'refreshed' | 'failed' | 'lost' | 'blocked';

/**
 * The refresh's Prometheus metrics, kept by the refresh itself and registered into the vault's
 * registry by MetricsService. Labels are bounded enums (result, failure class, credential kind):
 * never ids, codes from Microsoft's free text, or tokens.
 */
@Injectable()
export class RefreshStats {
  readonly attempts = new Counter({
    name: 'authpipe_refresh_attempts_total',
    help: 'Refresh attempts that reached Microsoft (or were blocked by a misconfigured app), by result, failure class and credential kind',
    labelNames: ['result', 'class', 'kind'] as const,
    registers: [],
  });
  readonly lag = new Histogram({
    name: 'authpipe_refresh_lag_seconds',
    help: 'How late the scheduler refreshed a credential after its refresh_at (or keep-alive date)',
    buckets: [0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600],
    registers: [],
  });
  readonly tokenEndpoint = new Histogram({
    name: 'authpipe_token_endpoint_duration_seconds',
    help: "Duration of calls to Microsoft's token endpoint made by the refresh, by credential kind and outcome",
    labelNames: ['kind', 'outcome'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [],
  });

  readonly probes = new Counter({
    name: 'authpipe_health_probes_total',
    help: 'Health probes (a Graph call with a fresh token) by result and credential kind',
    labelNames: ['result', 'kind'] as const,
    registers: [],
  });

  /** Every metric, for MetricsService to register. */
  metrics(): Metric[] {
    return [this.attempts, this.lag, this.tokenEndpoint, this.probes];
  }
}
