import { LRUCache } from 'lru-cache';

/** An unwrapped data key held in memory. `live` turns false (and `key` is zeroed) once evicted. */
export interface CachedDataKey {
  readonly ownerKey: string;
  readonly version: number;
  readonly key: Buffer;
  live: boolean;
}

/** Bounds of the unwrapped data-key cache. */
export interface DataKeyCacheOptions {
  /** Most unwrapped keys held at once (least recently used are evicted first). */
  maxEntries: number;
  /** Time since unwrap after which a key is dropped, in milliseconds; reads do not extend it. */
  ttlMs: number;
}

/**
 * Bounded LRU + TTL cache of unwrapped DEKs. Evicted keys are zeroed, so a holder must check `live`
 * after any `await` and only use `key` synchronously.
 */
export class DataKeyCache {
  readonly #lru: LRUCache<string, CachedDataKey>;

  constructor(options: DataKeyCacheOptions, clock?: () => number) {
    this.#lru = new LRUCache<string, CachedDataKey>({
      max: options.maxEntries,
      ttl: options.ttlMs,
      // Purge on a timer so expired key bytes are zeroed even if nobody reads them again.
      ttlAutopurge: true,
      // An injected clock must be consulted on every read, not cached for a millisecond of real time.
      ...(clock ? { perf: { now: clock }, ttlResolution: 0 } : {}),
      dispose: (entry) => {
        entry.live = false;
        entry.key.fill(0);
      },
    });
  }

  /** The cache key of one version of one owner's DEK (owner key from `ownerKey`). */
  static keyOf(ownerKey: string, version: number): string {
    return `${version}/${ownerKey}`;
  }

  get(ownerKey: string, version: number): CachedDataKey | undefined {
    return this.#lru.get(DataKeyCache.keyOf(ownerKey, version));
  }

  /** Takes ownership of `key`: it will be zeroed on eviction. */
  put(ownerKey: string, version: number, key: Buffer): CachedDataKey {
    const entry: CachedDataKey = { ownerKey, version, key, live: true };
    this.#lru.set(DataKeyCache.keyOf(ownerKey, version), entry);
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

  get size(): number {
    return this.#lru.size;
  }
}
