import { Gauge, type Registry } from 'prom-client';
import type { DueCredentialsRepository } from './due-credentials.repository';
import type { RefreshStats } from './refresh-stats';

/**
 * The refresh's metrics in the vault's registry: attempts by result and failure class, the
 * scheduler's lag, the token endpoint's latency (kept by RefreshStats), and credentials by kind,
 * provider and status (counted at scrape time, across projects: statuses and providers are
 * bounded enums, so the label set stays small).
 */
export function registerRefreshMetrics(
  registry: Registry,
  stats: RefreshStats,
  credentials: DueCredentialsRepository,
): void {
  for (const metric of stats.metrics()) registry.registerMetric(metric);
  new Gauge({
    name: 'authpipe_credentials',
    help: 'Credentials (installations and connections) by kind, provider and status',
    labelNames: ['kind', 'provider', 'status'] as const,
    registers: [registry],
    async collect() {
      // The database unreachable: keep the last counts rather than fail the whole scrape (/readyz
      // says what is down).
      const counts = await credentials.countByStatus().catch(() => null);
      if (counts === null) return;
      this.reset();
      for (const { kind, provider, status, count } of counts) this.set({ kind, provider, status }, count);
    },
  });
}
