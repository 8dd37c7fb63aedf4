import { LRUCache } from 'lru-cache';
import { fieldAadOwnerPrefix } from './aad';
import { type KeyOwner, ownerKey } from './data-key-store';

/** An unwrapped data key held in memory. `live` turns false (and `key` is zeroed) once evicted. */
export interface CachedDataKey {
  readonly owner: Readonly<KeyOwner>;
  readonly version: number;
  readonly key: Buffer;
  /** The owner's field-AAD prefix (see `fieldAadOwnerPrefix`), computed once per cached key. */
  readonly aadPrefix: Buffer;
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

/** projectId -> tenantId ('' for the project key; real ids are never empty) -> version -> entry. */
type Index = Map<string, Map<string, Map<number, CachedDataKey>>>;

const lruKey = (owner: KeyOwner, version: number): string => `${version}/${ownerKey(owner)}`;

/**
 * Bounded LRU + TTL cache of unwrapped DEKs on `lru-cache`, which owns bounds, expiry and eviction.
 * Evicted keys are zeroed, so a holder must check `live` after any `await` and only use `key`
 * synchronously. Hits are served from a nested index of the live entries, looked up by the ids as
 * given (no key string to build and hash per read), and consult the LRU only to expire a key or,
 * at most once a second per key, to refresh its recency.
 */
export class DataKeyCache {
  readonly #lru: LRUCache<string, CachedDataKey>;
  readonly #index: Index = new Map();
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
      dispose: (entry) => {
        entry.live = false;
        entry.key.fill(0);
        this.#unindex(entry);
      },
    });
  }

  /** An entry that is already evicted: holders must not use it and fall back to a private load. */
  static dead(owner: KeyOwner, version: number): CachedDataKey {
    return {
      owner,
      version,
      key: Buffer.alloc(0),
      aadPrefix: Buffer.alloc(0),
      live: false,
      expiresAt: 0,
      touchedAt: 0,
    };
  }

  /** The live entry, or undefined when absent or expired (an expired key is zeroed here). */
  get(owner: KeyOwner, version: number): CachedDataKey | undefined {
    const entry = this.#index
      .get(owner.projectId)
      ?.get(owner.tenantId ?? '')
      ?.get(version);
    if (entry === undefined) return undefined;
    const now = this.#now();
    if (now < entry.expiresAt && now - entry.touchedAt < TOUCH_INTERVAL_MS) return entry;
    entry.touchedAt = now;
    // lru-cache decides: refreshes recency, or expires (and zeroes) the key and returns undefined.
    return this.#lru.get(lruKey(owner, version));
  }

  /** Takes ownership of `key`: it will be zeroed on eviction. */
  put(owner: KeyOwner, version: number, key: Buffer): CachedDataKey {
    const now = this.#now();
    const clean = { projectId: owner.projectId, tenantId: owner.tenantId };
    const entry: CachedDataKey = {
      owner: clean,
      version,
      key,
      aadPrefix: fieldAadOwnerPrefix(clean),
      live: true,
      expiresAt: now + this.#ttlMs,
      touchedAt: now,
    };
    // Set before indexing: replacing an entry for the same key disposes (and unindexes) the old one.
    this.#lru.set(lruKey(clean, version), entry);
    let tenants = this.#index.get(clean.projectId);
    if (!tenants) this.#index.set(clean.projectId, (tenants = new Map<string, Map<number, CachedDataKey>>()));
    let versions = tenants.get(clean.tenantId ?? '');
    if (!versions) tenants.set(clean.tenantId ?? '', (versions = new Map<number, CachedDataKey>()));
    versions.set(version, entry);
    return entry;
  }

  /** Evicts (and zeroes) every version of one owner's key. */
  forget(owner: KeyOwner): number {
    const versions = this.#index.get(owner.projectId)?.get(owner.tenantId ?? '');
    if (!versions) return 0;
    const doomed = [...versions.keys()];
    for (const version of doomed) this.#lru.delete(lruKey(owner, version));
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

  #unindex(entry: CachedDataKey): void {
    const tenantKey = entry.owner.tenantId ?? '';
    const tenants = this.#index.get(entry.owner.projectId);
    const versions = tenants?.get(tenantKey);
    if (!tenants || versions?.get(entry.version) !== entry) return;
    versions.delete(entry.version);
    if (versions.size === 0) tenants.delete(tenantKey);
    if (tenants.size === 0) this.#index.delete(entry.owner.projectId);
  }
}
