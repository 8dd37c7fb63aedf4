import { LRUCache } from 'lru-cache';
import type { DataKeyStore, KeyOwner } from './data-key-store';

/**
 * Uses reserved by this process on one owner's DEK version: [next, end), trusted until `expiresAt`
 * (clock time). Past that, the active version is re-read from the store before the next use.
 */
interface UseBlock {
  version: number;
  next: number;
  end: number;
  expiresAt: number;
}

/** Options of {@link DataKeyUses}. */
export interface DataKeyUsesOptions {
  store: DataKeyStore;
  /** Uses reserved from the store per round trip. */
  reserveBlock: number;
  /** Use numbers above this are never handed out; the next DEK version is created instead. */
  rotateAfterUses: bigint;
  /** How long a block (and the active version it names) is trusted: the DEK cache TTL. */
  ttlMs: number;
  /** Owners tracked at once (LRU); a dropped one just reserves anew. */
  maxTrackedOwners: number;
  now: () => number;
  /**
   * Creates DEK `version` or adopts the version another writer created first, returning the
   * active version. `current()` turns false once the owner was dropped meanwhile (do not cache then).
   */
  createVersion(owner: KeyOwner, version: number, current: () => boolean): Promise<number>;
}

/**
 * Hands out DEK uses per owner: which version is active and which use numbers this process may
 * spend on it, reserved in blocks with the store's atomic counter so replicas never share a use.
 *
 * A block expires with the DEK cache TTL, so after another replica rotates the DEK this one moves
 * to the new version within one TTL instead of draining its old block however long that takes.
 * An expired block whose version is still active is renewed without a store write.
 *
 * @internal Used by {@link Envelope}; not part of the package's contract.
 */
export class DataKeyUses {
  readonly #options: DataKeyUsesOptions;
  readonly #blocks: LRUCache<string, UseBlock>;
  readonly #refills = new Map<string, Promise<void>>();
  readonly #now: () => number;
  /** Bumped by drop()/clear(): a refill started before must not install its block. */
  #generation = 0;

  constructor(options: DataKeyUsesOptions) {
    this.#options = options;
    this.#now = options.now;
    this.#blocks = new LRUCache({ max: options.maxTrackedOwners });
  }

  /** Takes one use of the owner's active version without I/O, or undefined if none is reserved. */
  take(oKey: string): number | undefined {
    const block = this.#blocks.get(oKey);
    if (block === undefined || block.next >= block.end || block.expiresAt <= this.#now()) return undefined;
    block.next++;
    return block.version;
  }

  /** Takes one use, reserving a new block first (one refill per owner at a time). */
  async acquire(owner: KeyOwner, oKey: string): Promise<number> {
    for (;;) {
      let refill = this.#refills.get(oKey);
      if (!refill) {
        refill = this.#refill({ projectId: owner.projectId, tenantId: owner.tenantId }, oKey).finally(() =>
          this.#refills.delete(oKey),
        );
        this.#refills.set(oKey, refill);
      }
      await refill;
      const version = this.take(oKey);
      if (version !== undefined) return version;
    }
  }

  /** Forgets the owner's block; in-flight refills will not install theirs. */
  drop(oKey: string): void {
    this.#generation++;
    this.#blocks.delete(oKey);
  }

  /** Forgets every block. */
  clear(): void {
    this.#generation++;
    this.#blocks.clear();
  }

  /** Reserves a block of uses on the active DEK, creating or rotating the DEK when needed. */
  async #refill(owner: KeyOwner, oKey: string): Promise<void> {
    const generation = this.#generation;
    const current = () => generation === this.#generation;
    const { store, reserveBlock, rotateAfterUses } = this.#options;
    const stale = this.#blocks.get(oKey);
    // The TTL counts from before the read, so a rotation right after it is seen within one TTL.
    const expiresAt = this.#now() + this.#options.ttlMs;
    const active = await store.findActive(owner);
    if (stale && active?.version === stale.version && stale.next < stale.end) {
      // Still the active version: the uses left are still ours, trust them for another TTL.
      if (current()) this.#blocks.set(oKey, { ...stale, expiresAt });
      return;
    }
    let version = active?.version ?? (await this.#options.createVersion(owner, 1, current));
    for (;;) {
      const total = await store.reserveUses(owner, version, reserveBlock);
      const first = total - BigInt(reserveBlock) + 1n;
      if (first <= rotateAfterUses) {
        const last = total < rotateAfterUses ? total : rotateAfterUses;
        if (current()) this.#blocks.set(oKey, { version, next: Number(first), end: Number(last) + 1, expiresAt });
        return;
      }
      // This version has used up its nonce budget (here or in another replica): move on.
      version = await this.#options.createVersion(owner, version + 1, current);
    }
  }
}
