import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { RequestDurations } from './request-durations';

const BUCKETS = [0.001, 0.01, 0.1, 1];

/** Observations on several series, values on, between, below and above the bounds. */
const OBSERVED: [method: string, route: string, status: number, seconds: number][] = [
  ['GET', '/v1/credentials/:provider', 200, 0.0004],
  ['GET', '/v1/credentials/:provider', 200, 0.001],
  ['GET', '/v1/credentials/:provider', 200, 0.05],
  ['GET', '/v1/credentials/:provider', 404, 0.002],
  ['POST', '/v1/connect-sessions', 201, 0.3],
  ['GET', 'unmatched', 404, 7],
  ['GET', '/v1/credentials/:provider', 200, 1],
];

async function exposition(register: (registry: Registry) => (...observed: (typeof OBSERVED)[number]) => void) {
  const registry = new Registry();
  const observe = register(registry);
  for (const observed of OBSERVED) observe(...observed);
  return { text: await registry.metrics() };
}

describe(RequestDurations.name, () => {
  it("exposes exactly what prom-client's Histogram exposes for the same observations", async () => {
    const ours = await exposition((registry) => {
      const durations = new RequestDurations(BUCKETS);
      registry.registerMetric(durations.asMetric());
      return (method, route, status, seconds) => durations.observe(method, route, status, seconds);
    });
    const theirs = await exposition((registry) => {
      const histogram = new Histogram({
        name: 'authpipe_http_request_duration_seconds',
        help: 'Duration of HTTP requests by method, route template and status code',
        labelNames: ['method', 'route', 'status_code'],
        buckets: BUCKETS,
        registers: [registry],
      });
      return (method, route, status, seconds) =>
        histogram.observe({ method, route, status_code: String(status) }, seconds);
    });
    expect(ours.text).toBe(theirs.text);
    // Not an empty agreement: four series, each with its buckets, +Inf, sum and count.
    expect(ours.text).toContain(
      'authpipe_http_request_duration_seconds_bucket{le="0.001",method="GET",route="/v1/credentials/:provider",status_code="200"} 2',
    );
    expect(ours.text).toContain(
      'authpipe_http_request_duration_seconds_count{method="GET",route="/v1/credentials/:provider",status_code="200"} 4',
    );
    expect(ours.text.match(/_count\{/g)).toHaveLength(4);
  });

  it('starts again from nothing on reset', async () => {
    const registry = new Registry();
    const durations = new RequestDurations(BUCKETS);
    registry.registerMetric(durations.asMetric());
    durations.observe('GET', '/health', 200, 0.0001);
    expect(await registry.metrics()).toContain('_count{method="GET",route="/health",status_code="200"} 1');
    registry.resetMetrics();
    expect(await registry.metrics()).not.toContain('_count{');
  });
});
