import { LRUCache } from 'lru-cache';

/** An unwrapped data key held in memory. `live` turns false (and `key` is zeroed) once evicted. */
export interface CachedDataKey {
  readonly ownerKey: string;
  readonly version: number;
  readonly key: Buffer;
  live: boolean;
  /** Clock time after which the key must be dropped. */
  readonly expiresAt: number;
  /** Clock time the LRU order was last refreshed for this key. */
  touchedAt: number;
}

/** Bounds of the unwrapped data-key cache. */
export interface DataKeyCacheOptions {
  /** Most unwrapped keys held at once (least recently used are evicted first). */
  maxEntries: number;
  /** Time since unwrap after which a key is dropped, in milliseconds; reads do not extend it. */
  ttlMs: number;
}

/**
 * How often a hit refreshes the key's LRU position. Refreshing on every hit costs more than the
 * AES-GCM work around it; a hot key is still touched every second, far more often than it could
 * become the least recently used of a cache sized for the working set.
 */
const TOUCH_INTERVAL_MS = 1000;

/**
 * Bounded LRU + TTL cache of unwrapped DEKs on `lru-cache`, which owns bounds, expiry and eviction.
 * Evicted keys are zeroed, so a holder must check `live` after any `await` and only use `key`
 * synchronously. Hits are served from a plain index of the live entries and consult the LRU only
 * to expire a key or, at most once a second per key, to refresh its recency.
 */
export class DataKeyCache {
  readonly #lru: LRUCache<string, CachedDataKey>;
  readonly #index = new Map<string, CachedDataKey>();
  readonly #now: () => number;
  readonly #ttlMs: number;

  constructor(options: DataKeyCacheOptions, clock?: () => number) {
    const perf = clock ? { now: clock } : performance;
    this.#now = () => perf.now();
    this.#ttlMs = options.ttlMs;
    this.#lru = new LRUCache<string, CachedDataKey>({
      max: options.maxEntries,
      ttl: options.ttlMs,
      // Purge on a timer so expired key bytes are zeroed even if nobody reads them again.
      ttlAutopurge: true,
      perf,
      // An injected clock must be consulted on every check, not cached for a millisecond of real time.
      ...(clock ? { ttlResolution: 0 } : {}),
      dispose: (entry, cacheKey) => {
        entry.live = false;
        entry.key.fill(0);
        if (this.#index.get(cacheKey) === entry) this.#index.delete(cacheKey);
      },
    });
  }

  /** The cache key of one version of one owner's DEK (owner key from `ownerKey`). */
  static keyOf(ownerKey: string, version: number): string {
    return `${version}/${ownerKey}`;
  }

  /** An entry that is already evicted: holders must not use it and fall back to a private load. */
  static dead(ownerKey: string, version: number): CachedDataKey {
    return { ownerKey, version, key: Buffer.alloc(0), live: false, expiresAt: 0, touchedAt: 0 };
  }

  /** The live entry, or undefined when absent or expired (an expired key is zeroed here). */
  get(ownerKey: string, version: number): CachedDataKey | undefined {
    const cacheKey = DataKeyCache.keyOf(ownerKey, version);
    const entry = this.#index.get(cacheKey);
    if (entry === undefined) return undefined;
    const now = this.#now();
    if (now < entry.expiresAt && now - entry.touchedAt < TOUCH_INTERVAL_MS) return entry;
    entry.touchedAt = now;
    // lru-cache decides: refreshes recency, or expires (and zeroes) the key and returns undefined.
    return this.#lru.get(cacheKey);
  }

  /** Takes ownership of `key`: it will be zeroed on eviction. */
  put(ownerKey: string, version: number, key: Buffer): CachedDataKey {
    const now = this.#now();
    const entry: CachedDataKey = { ownerKey, version, key, live: true, expiresAt: now + this.#ttlMs, touchedAt: now };
    const cacheKey = DataKeyCache.keyOf(ownerKey, version);
    this.#lru.set(cacheKey, entry);
    // A max of 0 entries cannot happen (validated), so the set above kept this entry.
    this.#index.set(cacheKey, entry);
    return entry;
  }

  /** Evicts (and zeroes) every version of one owner's key. */
  forget(ownerKey: string): number {
    const doomed: string[] = [];
    for (const [cacheKey, entry] of this.#lru.entries()) if (entry.ownerKey === ownerKey) doomed.push(cacheKey);
    for (const cacheKey of doomed) this.#lru.delete(cacheKey);
    return doomed.length;
  }

  /** Evicts (and zeroes) everything. */
  clear(): void {
    this.#lru.clear();
  }

  /** Number of keys held. */
  get size(): number {
    return this.#lru.size;
  }
}
