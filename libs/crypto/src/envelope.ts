import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { assertFieldContext, dataKeyAad, fieldAadFromPrefix, fieldAadWithRoom, type FieldContext } from './aad';
import { KEY_LENGTH, NONCE_LENGTH } from './aes-gcm';
import { type CachedDataKey, DataKeyCache } from './data-key-cache';
import { DataKeyUses } from './data-key-uses';
import {
  DEFAULT_DATA_KEY_CACHE,
  DEFAULT_RESERVE_BLOCK,
  DEFAULT_ROTATE_AFTER_USES,
  type EnvelopeOptions,
  envelopeOptionsSchema,
} from './envelope-options';
import { ownerKey, type DataKeyStore, type KeyOwner, type StoredDataKey } from './data-key-store';
import { CryptoError, CryptoIntegrityError, decryptFailure, UnknownMasterKeyVersionError } from './errors';
import {
  asBuffer,
  HEADER_LENGTH,
  type NonceSource,
  openWithHeaderRoom,
  randomNonce,
  readKeyVersion,
  sealWithHeaderRoom,
} from './format';
import type { KeyProvider } from './master-keys';

// The per-call helpers, bound once. Compiled CommonJS reads every imported binding through an
// export getter at each call; on the warm decrypt path those getters cost about as much as the
// context validation itself (measured with bench/crypto).
const hot = {
  assertFieldContext,
  asBuffer,
  readKeyVersion,
  fieldAadFromPrefix,
  openWithHeaderRoom,
  sealWithHeaderRoom,
  headerRoom: HEADER_LENGTH,
} as const;

/**
 * Envelope encryption of fields: one DEK per owner (tenant, or project when `tenantId` is null),
 * wrapped by the master key, cached unwrapped for a short time, rotated by use count.
 *
 * Safe to run in many replicas over one {@link DataKeyStore}: use counts are reserved in blocks with
 * the store's atomic counter and DEK versions are created with its compare-and-insert. A replica
 * notices another one's rotation within the cache TTL (see {@link DataKeyUses}), or at once when the
 * application calls {@link Envelope.forget} on every replica (the vault's invalidation bus does).
 */
export class Envelope {
  readonly #keyProvider: KeyProvider;
  readonly #store: DataKeyStore;
  readonly #cache: DataKeyCache;
  readonly #uses: DataKeyUses;
  readonly #loads = new Map<string, Promise<CachedDataKey>>();
  readonly #randomBytes: (size: number) => Buffer;
  readonly #nonce: NonceSource;
  /** Bumped by forget(): work started before it must not repopulate caches for a forgotten owner. */
  #generation = 0;

  constructor(options: EnvelopeOptions) {
    const checked = envelopeOptionsSchema.parse(options);
    this.#keyProvider = options.keyProvider;
    this.#store = options.store;
    const ttlMs = checked.cache?.ttlMs ?? DEFAULT_DATA_KEY_CACHE.ttlMs;
    const maxEntries = checked.cache?.maxEntries ?? DEFAULT_DATA_KEY_CACHE.maxEntries;
    this.#cache = new DataKeyCache({ maxEntries, ttlMs }, options.clock);
    const clock = options.clock;
    this.#uses = new DataKeyUses({
      store: options.store,
      reserveBlock: checked.reserveBlock ?? DEFAULT_RESERVE_BLOCK,
      rotateAfterUses: BigInt(checked.rotateAfterUses ?? DEFAULT_ROTATE_AFTER_USES),
      ttlMs,
      maxTrackedOwners: checked.maxTrackedOwners ?? 10_000,
      now: clock ?? (() => performance.now()),
      createVersion: (owner, version, current) => this.#createVersion(owner, version, current),
    });
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
    hot.assertFieldContext(ctx);
    const data = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
    try {
      const oKey = ownerKey(ctx);
      const version = this.#uses.take(oKey) ?? (await this.#uses.acquire(ctx, oKey));
      const entry = this.#cache.get(ctx, version) ?? (await this.#load(ctx, oKey, version));
      if (entry.live) {
        const aad = hot.fieldAadFromPrefix(entry.aadPrefix, hot.headerRoom, ctx);
        return hot.sealWithHeaderRoom(entry.key, version, data, aad, this.#nonce);
      }
      // Evicted and zeroed while we awaited (a tiny or thrashing cache): use a private copy once.
      const key = await this.#unwrapStored(ctx, version);
      try {
        return sealWithHeaderRoom(key, version, data, fieldAadWithRoom(ctx, HEADER_LENGTH), this.#nonce);
      } finally {
        key.fill(0);
      }
    } finally {
      if (data !== plaintext) data.fill(0);
    }
  }

  /**
   * Decrypts a field encrypted by {@link Envelope.encrypt} for the same context. With the DEK cached
   * this does no I/O. Accepts a Buffer or a plain Uint8Array (viewed, not copied).
   *
   * @throws CryptoIntegrityError when the bytes are malformed or tampered, were made for another
   *   context, or their DEK or master key is gone. Its message names only the context ids.
   * @throws CryptoContextError for an invalid context; store errors propagate unchanged.
   */
  async decrypt(ctx: FieldContext, input: Uint8Array): Promise<Buffer> {
    hot.assertFieldContext(ctx);
    const ciphertext = hot.asBuffer(input);
    let version: number;
    try {
      version = hot.readKeyVersion(ciphertext);
    } catch (error) {
      throw decryptFailure(ctx, 'malformed', error);
    }
    const entry =
      this.#cache.get(ctx, version) ?? (await this.#forDecrypt(ctx, () => this.#load(ctx, ownerKey(ctx), version)));
    if (entry.live)
      return this.#open(ctx, entry.key, ciphertext, hot.fieldAadFromPrefix(entry.aadPrefix, hot.headerRoom, ctx));
    // Evicted and zeroed while we awaited (a tiny or thrashing cache): use a private copy once.
    const key = await this.#forDecrypt(ctx, () => this.#unwrapStored(ctx, version));
    try {
      return this.#open(ctx, key, ciphertext, fieldAadWithRoom(ctx, HEADER_LENGTH));
    } finally {
      key.fill(0);
    }
  }

  /**
   * Decrypts like {@link Envelope.decrypt}, given the owner's stored DEK row the caller read in the
   * same query as the ciphertext (a one-statement read): on a cache miss that row is unwrapped
   * instead of asking the store again. A row of another version than the ciphertext names is
   * ignored (the store is asked, as `decrypt` would).
   */
  async decryptWithStoredKey(
    ctx: FieldContext,
    input: Uint8Array,
    stored: { version: number; wrappedKey: Uint8Array } | null,
  ): Promise<Buffer> {
    hot.assertFieldContext(ctx);
    const ciphertext = hot.asBuffer(input);
    let version: number;
    try {
      version = hot.readKeyVersion(ciphertext);
    } catch (error) {
      throw decryptFailure(ctx, 'malformed', error);
    }
    if (stored === null || stored.version !== version || this.#cache.get(ctx, version) !== undefined)
      return this.decrypt(ctx, ciphertext);
    const owner = { projectId: ctx.projectId, tenantId: ctx.tenantId };
    const generation = this.#generation;
    const key = await this.#forDecrypt(ctx, () => this.#unwrap(owner, version, Buffer.from(stored.wrappedKey)));
    if (generation === this.#generation) {
      const entry = this.#cache.put(owner, version, key);
      return this.#open(ctx, entry.key, ciphertext, hot.fieldAadFromPrefix(entry.aadPrefix, hot.headerRoom, ctx));
    }
    try {
      return this.#open(ctx, key, ciphertext, fieldAadWithRoom(ctx, HEADER_LENGTH));
    } finally {
      key.fill(0);
    }
  }

  #open(ctx: FieldContext, key: Buffer, ciphertext: Buffer, aad: Buffer): Buffer {
    try {
      return hot.openWithHeaderRoom(key, ciphertext, aad);
    } catch (error) {
      throw decryptFailure(ctx, 'authentication_failed', error);
    }
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
    const generation = this.#generation;
    const active = await this.#store.findActive(clean);
    const version = await this.#createVersion(clean, (active?.version ?? 0) + 1, () => generation === this.#generation);
    this.#uses.drop(ownerKey(clean));
    return version;
  }

  /**
   * Drops every cached DEK (zeroed) and reserved uses of one owner: on shred and after rotation.
   * The next encrypt re-reads the owner's active version from the store.
   */
  forget(owner: KeyOwner): void {
    this.#generation++;
    this.#uses.drop(ownerKey(owner));
    this.#cache.forget(owner);
  }

  /** Zeroes and drops every cached DEK and reserved use (shutdown, tests). */
  clear(): void {
    this.#generation++;
    this.#uses.clear();
    this.#cache.clear();
  }

  /** Creates DEK `version`, or adopts the winner's active version if another writer got there first. */
  async #createVersion(owner: KeyOwner, version: number, current: () => boolean): Promise<number> {
    const dek = this.#randomBytes(KEY_LENGTH);
    let cached = false;
    try {
      const wrapped = await this.#keyProvider.wrap(dek, dataKeyAad({ ...owner, dekVersion: version }));
      const created = await this.#store.createNext(owner, version, readKeyVersion(wrapped), wrapped);
      if (created) {
        if (current()) {
          this.#cache.put(owner, version, dek);
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
    const cacheKey = `${version}/${oKey}`;
    let load = this.#loads.get(cacheKey);
    if (!load) {
      const generation = this.#generation;
      load = this.#unwrapStored(owner, version)
        .then((key) => {
          if (generation === this.#generation) return this.#cache.put(owner, version, key);
          // A forget() raced this load: never resurrect the key in the cache. Callers see a dead
          // entry and re-read the store privately, which is what a forgotten owner needs anyway.
          key.fill(0);
          return DataKeyCache.dead(owner, version);
        })
        .finally(() => this.#loads.delete(cacheKey));
      this.#loads.set(cacheKey, load);
    }
    return load;
  }

  /** Reads and unwraps one DEK version; the caller owns (and zeroes) the returned key. */
  async #unwrapStored(owner: KeyOwner, version: number): Promise<Buffer> {
    const clean = { projectId: owner.projectId, tenantId: owner.tenantId };
    const stored = await this.#store.find(clean, version);
    if (!stored) throw new DataKeyMissing(version);
    return this.#unwrap(clean, version, stored.wrappedKey);
  }

  /** Unwraps a DEK version's wrapped bytes, bound to its owner and version; the caller owns the key. */
  async #unwrap(owner: KeyOwner, version: number, wrappedKey: Buffer): Promise<Buffer> {
    const clean = { projectId: owner.projectId, tenantId: owner.tenantId };
    const key = await this.#keyProvider.unwrap(wrappedKey, dataKeyAad({ ...clean, dekVersion: version }));
    if (key.length !== KEY_LENGTH) {
      key.fill(0);
      throw new CryptoIntegrityError('Unwrapped data key has the wrong length', 'malformed');
    }
    return key;
  }

  /** Maps failures to find or unwrap a DEK onto decrypt's integrity error; I/O errors pass through. */
  async #forDecrypt<T>(ctx: FieldContext, load: () => Promise<T>): Promise<T> {
    try {
      return await load();
    } catch (error) {
      if (error instanceof DataKeyMissing) throw decryptFailure(ctx, 'data_key_missing');
      if (error instanceof UnknownMasterKeyVersionError) throw decryptFailure(ctx, 'unknown_master_key_version', error);
      if (error instanceof CryptoError) throw decryptFailure(ctx, 'authentication_failed', error);
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
