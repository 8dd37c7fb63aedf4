import type { PgListenerOptions } from './pg-listener';

/** Injection token of the {@link BusOptions}. */
export const BUS_OPTIONS = Symbol('BUS_OPTIONS');

/** Timing of the invalidation bus. */
export interface BusOptions extends PgListenerOptions {
  /**
   * While the bus is not listening, every cache it feeds is dropped this often: the bound on how
   * long such a cache can serve an entry another replica changed meanwhile.
   */
  unlistenedResetMs: number;
}

/**
 * Reconnects start at 100 ms and back off to 5 s; a silently dead session is noticed within
 * 5 + 3 s; while not listening, caches live at most a second (the same bound as delivery).
 */
export const DEFAULT_BUS_OPTIONS: BusOptions = {
  backoffMinMs: 100,
  backoffMaxMs: 5_000,
  heartbeatMs: 5_000,
  heartbeatTimeoutMs: 3_000,
  unlistenedResetMs: 1_000,
};
