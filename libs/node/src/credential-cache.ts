/** Whose credential: the cache key's parts. A user credential is never shared with another user's. */
export interface CredentialKeyParts {
  provider: string;
  tenantId: string;
  credentialFor: 'installation' | 'user';
  userId?: string | undefined;
}

/** One cached answer and when it stops being served. */
export interface CacheEntry<T> {
  value: T;
  /** The token's expiry, in ms since the epoch. */
  expiresAtMs: number;
  credentialId: string;
  /** No background refresh for this key before this time (ms since the epoch). */
  revalidateAfterMs: number;
}

/**
 * The key of one credential: provider, tenant, kind and user, each part kept apart by a NUL
 * (which no id may hold: see {@link assertKeyPart}). Never coarser, so one user's token is never
 * answered to another user or tenant.
 */
export function cacheKey(parts: CredentialKeyParts): string {
  return `${parts.provider}\u0000${parts.tenantId}\u0000${parts.credentialFor}\u0000${parts.userId ?? ''}`;
}

/** Refuses an id that could blur the boundary between key parts (the vault refuses them too). */
export function assertKeyPart(name: string, value: unknown): asserts value is string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (typeof value !== 'string' || value.length === 0 || /[\u0000-\u001f\u007f]/.test(value))
    throw new TypeError(`${name} must be a non-empty string without control characters.`);
}

/**
 * A bounded map of served credentials, least recently used first out. `epoch` grows on every
 * eviction, so a request that started before one does not store its (possibly revoked) answer
 * after it.
 */
export class CredentialCache<T> {
  private readonly entries = new Map<string, CacheEntry<T>>();
  private currentEpoch = 0;

  constructor(private readonly maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new TypeError('maxEntries must be a positive integer.');
  }

  /** Bumped by every eviction. */
  get epoch(): number {
    return this.currentEpoch;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): CacheEntry<T> | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    // Most recently used last: Map keeps insertion order.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry;
  }

  /** Stores `entry` unless an eviction happened since `epoch` was read (then it may be revoked). */
  set(key: string, entry: CacheEntry<T>, epoch: number): boolean {
    if (epoch !== this.currentEpoch) return false;
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    return true;
  }

  /** Drops the entry of `key`. */
  delete(key: string): void {
    this.currentEpoch++;
    this.entries.delete(key);
  }

  /** Drops every entry of the credential `credentialId`; answers how many. */
  deleteCredential(credentialId: string): number {
    this.currentEpoch++;
    let dropped = 0;
    for (const [key, entry] of this.entries) {
      if (entry.credentialId === credentialId) {
        this.entries.delete(key);
        dropped++;
      }
    }
    return dropped;
  }

  /** Drops every entry matching `match`; answers how many. */
  deleteWhere(match: (key: string, entry: CacheEntry<T>) => boolean): number {
    this.currentEpoch++;
    let dropped = 0;
    for (const [key, entry] of this.entries) {
      if (match(key, entry)) {
        this.entries.delete(key);
        dropped++;
      }
    }
    return dropped;
  }

  clear(): void {
    this.currentEpoch++;
    this.entries.clear();
  }
}
