import { Counter, Gauge, type Registry } from 'prom-client';
import type { InvalidationType } from './bus.messages';
import type { InvalidationBus } from './invalidation-bus';

/**
 * The bus's Prometheus metrics, read from its counters at scrape time. Labels are the message
 * type and direction only: never ids.
 */
export function registerBusMetrics(registry: Registry, bus: InvalidationBus): void {
  new Gauge({
    name: 'authpipe_invalidation_bus_listening',
    help: '1 while the invalidation bus hears other replicas (always 1 on the embedded database)',
    registers: [registry],
    collect() {
      this.set(bus.status().listening ? 1 : 0);
    },
  });
  new Counter({
    name: 'authpipe_invalidation_messages_total',
    help: 'Invalidation messages published by this replica and received from others, by type',
    labelNames: ['type', 'direction'] as const,
    registers: [registry],
    collect() {
      const { published, received } = bus.stats();
      this.reset();
      for (const type of Object.keys(published) as InvalidationType[]) {
        this.inc({ type, direction: 'published' }, published[type]);
        this.inc({ type, direction: 'received' }, received[type]);
      }
    },
  });
  new Counter({
    name: 'authpipe_invalidation_resets_total',
    help: 'Times every cache fed by the invalidation bus was dropped because messages may have been missed',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(bus.stats().resets);
    },
  });
}
