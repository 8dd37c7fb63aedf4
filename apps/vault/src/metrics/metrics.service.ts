import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { registerBusMetrics } from '../bus/bus.metrics';
import { InvalidationBus } from '../bus/invalidation-bus';
import { DueCredentialsRepository } from '../refresh/due-credentials.repository';
import { registerRefreshMetrics } from '../refresh/refresh.metrics';
import { RefreshStats } from '../refresh/refresh-stats';
import { RequestDurations } from './request-durations';

/** Label of requests that matched no route: their raw path could hold anything. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The vault's Prometheus registry (one per application, so several apps in one process,
 * as in tests, do not collide) with Node's default metrics and an HTTP duration histogram.
 * Its `route` label is the route template (`/v1/tenants/:tenantId`), never the raw path,
 * so ids and tokens never become label values and cardinality stays bounded.
 */
@Injectable()
export class MetricsService implements OnModuleInit {
  readonly registry = new Registry();
  /** By method, route template and status code. 2 ms: getCredential's latency goal (bench:warm-http reads its share from this histogram). */
  private readonly httpDuration = new RequestDurations([
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
  ]);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    bus: InvalidationBus,
    refresh: RefreshStats,
    credentials: DueCredentialsRepository,
  ) {
    this.registry.registerMetric(this.httpDuration.asMetric());
    collectDefaultMetrics({ register: this.registry, prefix: 'authpipe_' });
    registerBusMetrics(this.registry, bus);
    registerRefreshMetrics(this.registry, refresh, credentials);
  }

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    // A callback hook: it runs on every request, where an async one would cost a promise each.
    fastify.addHook('onResponse', (request, reply, done) => {
      this.observeRequest(
        request.method,
        request.routeOptions.url ?? UNMATCHED_ROUTE,
        reply.statusCode,
        reply.elapsedTime,
      );
      done();
    });
  }

  /** Counts one answered request (the hook above; the warm getCredential lane for its answers). */
  observeRequest(method: string, route: string, statusCode: number, elapsedMs: number): void {
    this.httpDuration.observe(method, route, statusCode, elapsedMs / 1000);
  }

  /** The exposition text for GET /metrics. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
