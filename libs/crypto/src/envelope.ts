import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { dataKeyAad, fieldAadWithRoom, type FieldContext } from './aad';
import { KEY_LENGTH, NONCE_LENGTH } from './aes-gcm';
import { type CachedDataKey, DataKeyCache } from './data-key-cache';
import { ownerKey, type DataKeyStore, type KeyOwner, type StoredDataKey } from './data-key-store';
import { CryptoError, CryptoIntegrityError, type IntegrityFailureReason, UnknownMasterKeyVersionError } from './errors';
import {
  HEADER_LENGTH,
  type NonceSource,
  openWithHeaderRoom,
  randomNonce,
  readKeyVersion,
  sealWithHeaderRoom,
} from './format';
import type { KeyProvider } from './master-keys';

/**
 * Default rotation threshold: below NIST SP 800-38D's 2^32 limit for random 96-bit GCM nonces, with
 * a 2^24 margin so a counter restored from a slightly stale backup still stays under the bound.
 */
export const DEFAULT_ROTATE_AFTER_USES = 2 ** 32 - 2 ** 24;
/** Default number of uses a replica reserves from the store at once. */
export const DEFAULT_RESERVE_BLOCK = 1024;
/** Default unwrapped-DEK cache bounds. */
export const DEFAULT_DATA_KEY_CACHE = { maxEntries: 10_000, ttlMs: 5 * 60_000 } as const;

/** Options of {@link Envelope}. */
export interface EnvelopeOptions {
  keyProvider: KeyProvider;
  store: DataKeyStore;
  /** Unwrapped-DEK cache bounds; defaults to {@link DEFAULT_DATA_KEY_CACHE}. */
  cache?: { maxEntries?: number; ttlMs?: number };
  /** Encryptions per DEK version before a new version is created (1 .. 2^32). */
  rotateAfterUses?: number;
  /** Uses reserved from the store per round trip; larger = fewer writes, more uses lost on restart. */
  reserveBlock?: number;
  /** Owners whose reserved use block is tracked in memory (LRU); a dropped one just reserves anew. */
  maxTrackedOwners?: number;
  /** Milliseconds clock for cache TTLs; injected by tests. */
  clock?: () => number;
  /** Randomness for DEKs and nonces; injected by tests. Defaults to Node's CSPRNG. */
  randomBytes?: (size: number) => Buffer;
}

const optionsSchema = z.object({
  cache: z
    .object({ maxEntries: z.number().int().min(1).optional(), ttlMs: z.number().int().min(1).optional() })
    .optional(),
  rotateAfterUses: z.number().int().min(1).max(2 ** 32).optional(),
  reserveBlock: z.number().int().min(1).max(2 ** 24).optional(),
  maxTrackedOwners: z.number().int().min(1).optional(),
});

/** Uses reserved by this process for one owner's active DEK version: [next, end). */
interface UseBlock {
  version: number;
  next: number;
  end: number;
}

const MAX_CACHE_RACES = 8;

/**
 * Envelope encryption of fields: one DEK per owner (tenant, or project when `tenantId` is null),
 * wrapped by the master key, cached unwrapped for a short time, rotated by use count.
 *
 * Safe to run in many replicas over one {@link DataKeyStore}: use counts are reserved in blocks with
 * the store's atomic counter and DEK versions are created with its compare-and-insert.
 */
export class Envelope {
  readonly #keyProvider: KeyProvider;
  readonly #store: DataKeyStore;
  readonly #cache: DataKeyCache;
  readonly #blocks: LRUCache<string, UseBlock>;
  readonly #refills = new Map<string, Promise<void>>();
  readonly #loads = new Map<string, Promise<CachedDataKey>>();
  readonly #rotateAfterUses: bigint;
  readonly #reserveBlock: number;
  readonly #randomBytes: (size: number) => Buffer;
  readonly #nonce: NonceSource;
  /** Bumped by forget(): work started before it must not repopulate caches for a forgotten owner. */
  #generation = 0;

  constructor(options: EnvelopeOptions) {
    const checked = optionsSchema.parse(options);
    this.#keyProvider = options.keyProvider;
    this.#store = options.store;
    this.#cache = new DataKeyCache({ ...DEFAULT_DATA_KEY_CACHE, ...checked.cache }, options.clock);
    this.#blocks = new LRUCache({ max: checked.maxTrackedOwners ?? 10_000 });
    this.#rotateAfterUses = BigInt(checked.rotateAfterUses ?? DEFAULT_ROTATE_AFTER_USES);
    this.#reserveBlock = checked.reserveBlock ?? DEFAULT_RESERVE_BLOCK;
    const random = options.randomBytes;
    this.#randomBytes = random ?? nodeRandomBytes;
    this.#nonce = random ? (target, offset) => void random(NONCE_LENGTH).copy(target, offset) : randomNonce;
  }

  /**
   * Encrypts a field under its owner's active DEK (created on first use), binding `ctx` as AAD.
   * A string is encoded as UTF-8 and the temporary copy is zeroed afterwards.
   *
   * @throws CryptoContextError for an invalid context; store and key-provider errors propagate.
   */
  async encrypt(ctx: FieldContext, plaintext: Buffer | string): Promise<Buffer> {
    const aad = fieldAadWithRoom(ctx, HEADER_LENGTH);
    const data = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
    try {
      const oKey = ownerKey(ctx);
      for (let attempt = 0; attempt < MAX_CACHE_RACES; attempt++) {
        const version = this.#takeUse(oKey) ?? (await this.#acquireUse(ctx, oKey));
        const entry = this.#cache.get(oKey, version) ?? (await this.#load(ctx, oKey, version));
        // The entry may have been evicted and zeroed while we awaited; never encrypt with it then.
        if (entry.live) return sealWithHeaderRoom(entry.key, version, data, aad, this.#nonce);
      }
      throw new Error('Data key cache is too small for the concurrent load; raise cache.maxEntries');
    } finally {
      if (data !== plaintext) data.fill(0);
    }
  }

  /**
   * Decrypts a field encrypted by {@link Envelope.encrypt} for the same context. With the DEK cached
   * this does no I/O.
   *
   * @throws CryptoIntegrityError when the bytes are malformed or tampered, were made for another
   *   context, or their DEK or master key is gone. Its message names only the context ids.
   * @throws CryptoContextError for an invalid context; store errors propagate unchanged.
   */
  async decrypt(ctx: FieldContext, ciphertext: Buffer): Promise<Buffer> {
    const aad = fieldAadWithRoom(ctx, HEADER_LENGTH);
    let version: number;
    try {
      version = readKeyVersion(ciphertext);
    } catch (error) {
      throw integrityError(ctx, 'malformed', error);
    }
    const oKey = ownerKey(ctx);
    for (let attempt = 0; attempt < MAX_CACHE_RACES; attempt++) {
      const entry = this.#cache.get(oKey, version) ?? (await this.#loadForDecrypt(ctx, oKey, version));
      if (!entry.live) continue;
      try {
        return openWithHeaderRoom(entry.key, ciphertext, aad);
      } catch (error) {
        throw integrityError(ctx, 'authentication_failed', error);
      }
    }
    throw new Error('Data key cache is too small for the concurrent load; raise cache.maxEntries');
  }

  /**
   * Unwraps a stored DEK with the master key version it names and wraps it with the current master
   * key, for the master-key rotation job. The caller persists the result.
   */
  async rewrapDataKey(stored: Pick<StoredDataKey, 'owner' | 'version' | 'wrappedKey'>): Promise<Buffer> {
    const aad = dataKeyAad({ ...stored.owner, dekVersion: stored.version });
    const dek = await this.#keyProvider.unwrap(stored.wrappedKey, aad);
    try {
      return await this.#keyProvider.wrap(dek, aad);
    } finally {
      dek.fill(0);
    }
  }

  /**
   * Creates the owner's next DEK version and makes it active, so new encryptions use it (old
   * versions still decrypt). Returns the now-active version.
   */
  async rotateDataKey(owner: KeyOwner): Promise<number> {
    const clean = { projectId: owner.projectId, tenantId: owner.tenantId };
    const oKey = ownerKey(clean);
    const active = await this.#store.findActive(clean);
    const version = await this.#createVersion(clean, oKey, (active?.version ?? 0) + 1, this.#generation);
    this.#blocks.delete(oKey);
    return version;
  }

  /** Drops every cached DEK (zeroed) and reserved uses of one owner: on shred and after rotation. */
  forget(owner: KeyOwner): void {
    const oKey = ownerKey(owner);
    this.#generation++;
    this.#blocks.delete(oKey);
    this.#cache.forget(oKey);
  }

  /** Zeroes and drops every cached DEK (shutdown, tests). */
  clear(): void {
    this.#generation++;
    this.#blocks.clear();
    this.#cache.clear();
  }

  #takeUse(oKey: string): number | undefined {
    const block = this.#blocks.get(oKey);
    if (block === undefined || block.next >= block.end) return undefined;
    block.next++;
    return block.version;
  }

  async #acquireUse(owner: KeyOwner, oKey: string): Promise<number> {
    for (;;) {
      let refill = this.#refills.get(oKey);
      if (!refill) {
        refill = this.#refill({ projectId: owner.projectId, tenantId: owner.tenantId }, oKey).finally(() =>
          this.#refills.delete(oKey),
        );
        this.#refills.set(oKey, refill);
      }
      await refill;
      const version = this.#takeUse(oKey);
      if (version !== undefined) return version;
    }
  }

  /** Reserves a block of uses on the active DEK, creating or rotating the DEK when needed. */
  async #refill(owner: KeyOwner, oKey: string): Promise<void> {
    const generation = this.#generation;
    const active = await this.#store.findActive(owner);
    let version = active?.version ?? (await this.#createVersion(owner, oKey, 1, generation));
    for (;;) {
      const total = await this.#store.reserveUses(owner, version, this.#reserveBlock);
      const first = total - BigInt(this.#reserveBlock) + 1n;
      if (first <= this.#rotateAfterUses) {
        const last = total < this.#rotateAfterUses ? total : this.#rotateAfterUses;
        if (generation === this.#generation) this.#blocks.set(oKey, { version, next: Number(first), end: Number(last) + 1 });
        return;
      }
      // This version has used up its nonce budget (here or in another replica): move on.
      version = await this.#createVersion(owner, oKey, version + 1, generation);
    }
  }

  /** Creates DEK `version`, or adopts the winner's active version if another writer got there first. */
  async #createVersion(owner: KeyOwner, oKey: string, version: number, generation: number): Promise<number> {
    const dek = this.#randomBytes(KEY_LENGTH);
    let cached = false;
    try {
      const wrapped = await this.#keyProvider.wrap(dek, dataKeyAad({ ...owner, dekVersion: version }));
      const created = await this.#store.createNext(owner, version, readKeyVersion(wrapped), wrapped);
      if (created) {
        if (generation === this.#generation) {
          this.#cache.put(oKey, version, dek);
          cached = true;
        }
        return created.version;
      }
      const winner = await this.#store.findActive(owner);
      if (!winner) throw new Error('Data key store reported a conflicting version but has no active key');
      return winner.version;
    } finally {
      if (!cached) dek.fill(0);
    }
  }

  /** Loads and unwraps one DEK version into the cache; concurrent callers share one load. */
  #load(owner: KeyOwner, oKey: string, version: number): Promise<CachedDataKey> {
    const cacheKey = DataKeyCache.keyOf(oKey, version);
    let load = this.#loads.get(cacheKey);
    if (!load) {
      load = this.#unwrapStored(owner, oKey, version).finally(() => this.#loads.delete(cacheKey));
      this.#loads.set(cacheKey, load);
    }
    return load;
  }

  async #unwrapStored(owner: KeyOwner, oKey: string, version: number): Promise<CachedDataKey> {
    const generation = this.#generation;
    const clean = { projectId: owner.projectId, tenantId: owner.tenantId };
    const stored = await this.#store.find(clean, version);
    if (!stored) throw new DataKeyMissing(version);
    const key = await this.#keyProvider.unwrap(stored.wrappedKey, dataKeyAad({ ...clean, dekVersion: version }));
    if (key.length !== KEY_LENGTH) {
      key.fill(0);
      throw new CryptoIntegrityError('Unwrapped data key has the wrong length', 'malformed');
    }
    // A forget() raced this load: hand the key to this one caller only, never to the cache.
    if (generation !== this.#generation) return { ownerKey: oKey, version, key, live: true };
    return this.#cache.put(oKey, version, key);
  }

  async #loadForDecrypt(ctx: FieldContext, oKey: string, version: number): Promise<CachedDataKey> {
    try {
      return await this.#load(ctx, oKey, version);
    } catch (error) {
      if (error instanceof DataKeyMissing) throw integrityError(ctx, 'data_key_missing');
      if (error instanceof UnknownMasterKeyVersionError) throw integrityError(ctx, 'unknown_master_key_version', error);
      if (error instanceof CryptoError) throw integrityError(ctx, 'authentication_failed', error);
      throw error;
    }
  }
}

/** Internal signal: the store has no such DEK version (never created, or shredded). */
class DataKeyMissing extends Error {
  constructor(readonly version: number) {
    super(`Data key version ${version} not found`);
  }
}

const REASON_TEXT: Record<IntegrityFailureReason, string> = {
  authentication_failed: 'authentication failed (wrong key, context or tampered bytes)',
  malformed: 'the ciphertext is malformed',
  data_key_missing: 'its data key version does not exist (never created or shredded)',
  unknown_master_key_version: 'its data key is wrapped by a master key version that is not configured',
};

function integrityError(ctx: FieldContext, reason: IntegrityFailureReason, cause?: unknown): CryptoIntegrityError {
  const where = `${ctx.recordType} ${ctx.recordId} field ${ctx.field} (project ${ctx.projectId}, tenant ${ctx.tenantId ?? '-'})`;
  return new CryptoIntegrityError(`Cannot decrypt ${where}: ${REASON_TEXT[reason]}`, reason, cause === undefined ? undefined : { cause });
}
