import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { InvalidationBus } from '../bus/invalidation-bus';
import { CLOCK, type Clock } from '../common/clock';
import type { TenantExternalId, TenantRowId } from '../common/tenant-ids';

/** What getCredential asked for: the cache key's parts. Every part is validated input (no NUL). */
export interface CredentialLookup {
  projectId: string;
  provider: string;
  tenantExternalId: TenantExternalId;
  credentialFor: 'installation' | 'user';
  userId?: string;
}

/** A served credential kept for the next reads: the answer, and what invalidates it. */
export interface ServedEntry<T> {
  /** The credential's kind and row id, named by `credential.changed`. */
  kind: 'installation' | 'connection';
  id: string;
  /** The tenant's row id, named by `data_key.changed` (a rotation or shred of its key). */
  tenantRowId: TenantRowId;
  /** The answer as served. Holds the access token: never log it. */
  body: T;
}

interface Stored<T> extends ServedEntry<T> {
  /** Clock time after which the entry is not served. */
  until: number;
  projectId: string;
}

/** Upper bounds of the cache: entries, and how long one is served at most. */
export interface ServedCredentialCacheOptions {
  max: number;
  ttlMs: number;
}

export const SERVED_CREDENTIAL_CACHE_OPTIONS = Symbol('SERVED_CREDENTIAL_CACHE_OPTIONS');

/**
 * The hot path of getCredential: answers recently served credentials from memory, so a warm read
 * costs an API-key check and a map lookup (no database, no decryption).
 *
 * Bounded (LRU, `max` entries) and short-lived: an entry is served until the earlier of `ttlMs`
 * after it was stored and the moment its token enters the near-expiry window (the caller passes
 * that as `servableUntil`), so the cache never serves a token the vault would refresh.
 *
 * Consistent across replicas through the invalidation bus: `credential.changed` (a refresh,
 * re-authorization, failure or delete on any replica) drops the credential's entry,
 * `data_key.changed` every entry of the tenant (its key rotated or shredded), and a bus reset
 * (messages may have been missed) everything. A read that started before an invalidation never
 * stores what it read: every invalidation moves an epoch, and `put` takes the epoch its read began
 * in.
 *
 * The key holds the project, provider, tenant, kind and user, each part validated input joined by
 * NUL (which no part may contain), so one user's token can never answer another's lookup.
 */
@Injectable()
export class ServedCredentialCache<T = unknown> implements OnModuleDestroy {
  private readonly entries: LRUCache<string, Stored<T>>;
  /** Credential id → its cache key (one lookup per credential). */
  private readonly byCredential = new Map<string, string>();
  private epochValue = 0;
  private readonly unsubscribe: (() => void)[];

  constructor(
    bus: InvalidationBus,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SERVED_CREDENTIAL_CACHE_OPTIONS) private readonly options: ServedCredentialCacheOptions,
  ) {
    this.entries = new LRUCache<string, Stored<T>>({
      max: options.max,
      dispose: (entry, key) => {
        if (this.byCredential.get(entry.id) === key) this.byCredential.delete(entry.id);
      },
    });
    this.unsubscribe = [
      bus.subscribe('credential.changed', (m) => this.dropCredential(m.id)),
      bus.subscribe('data_key.changed', (m) =>
        this.dropWhere(
          (e) => e.projectId === m.projectId && (m.tenantRowId === null || e.tenantRowId === m.tenantRowId),
        ),
      ),
      bus.onReset(() => this.clear()),
    ];
  }

  onModuleDestroy(): void {
    for (const stop of this.unsubscribe) stop();
    this.clear();
  }

  /** The epoch a read begins in; pass it to {@link put}. */
  get epoch(): number {
    return this.epochValue;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * The served entry for `lookup`, if one is stored and still servable at `now` (the clock's, read
   * by a caller that needs it again: on this kind of VM each reading costs about 65 ns).
   */
  get(lookup: CredentialLookup, now = this.clock()): ServedEntry<T> | undefined {
    const key = keyOf(lookup);
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.until <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /**
   * Keeps `entry` for `lookup` until the earlier of the TTL and `servableUntil`, unless anything
   * was invalidated since `epoch` (the read may be older than the change).
   */
  put(lookup: CredentialLookup, entry: ServedEntry<T>, servableUntil: number, epoch: number): void {
    if (epoch !== this.epochValue) return;
    const until = Math.min(this.clock() + this.options.ttlMs, servableUntil);
    if (until <= this.clock()) return;
    const key = keyOf(lookup);
    this.entries.set(key, { ...entry, projectId: lookup.projectId, until });
    this.byCredential.set(entry.id, key);
  }

  /** Drops the credential's entry on this replica (the bus does it on every replica). */
  dropCredential(id: string): void {
    this.epochValue++;
    const key = this.byCredential.get(id);
    if (key !== undefined) this.entries.delete(key);
  }

  clear(): void {
    this.epochValue++;
    this.entries.clear();
    this.byCredential.clear();
  }

  private dropWhere(match: (entry: Stored<T>) => boolean): void {
    this.epochValue++;
    for (const [key, entry] of this.entries.entries()) if (match(entry)) this.entries.delete(key);
  }
}

function keyOf(lookup: CredentialLookup): string {
  return `${lookup.projectId}\u0000${lookup.provider}\u0000${lookup.tenantExternalId}\u0000${lookup.credentialFor}\u0000${lookup.userId ?? ''}`;
}
