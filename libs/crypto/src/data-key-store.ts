import { CryptoContextError } from './errors';
import { settle } from './settle';

/** Who a data key belongs to. `tenantId: null` is the project's own key (project secrets). */
export interface KeyOwner {
  projectId: string;
  tenantId: string | null;
}

/** A data key as persisted: only ever the wrapped form. */
export interface StoredDataKey {
  owner: KeyOwner;
  /** DEK version, 1, 2, ... per owner. */
  version: number;
  /** Master key version that wrapped `wrappedKey` (also carried inside the blob). */
  masterKeyVersion: number;
  /** The DEK encrypted by the master key, in the versioned ciphertext format. */
  wrappedKey: Buffer;
  /** Exactly one version per owner is `active` (used for new encryptions); older ones are `retired`. */
  status: 'active' | 'retired';
  /** Encryptions reserved under this version so far, across all replicas. */
  useCount: bigint;
}

/**
 * Persistence of wrapped data keys. apps/vault implements it with Prisma; {@link InMemoryDataKeyStore}
 * serves tests. All methods must be safe under concurrent callers in several processes.
 */
export interface DataKeyStore {
  /** The owner's active version, or null if the owner has no data key yet (or was shredded). */
  findActive(owner: KeyOwner): Promise<StoredDataKey | null>;
  /** One version of the owner's key (active or retired), or null. */
  find(owner: KeyOwner, version: number): Promise<StoredDataKey | null>;
  /**
   * Inserts version `expectedVersion`; makes it active and the previous active one retired, atomically.
   * Returns null if another writer created that version first (the caller then re-reads).
   */
  createNext(
    owner: KeyOwner,
    expectedVersion: number,
    masterKeyVersion: number,
    wrappedKey: Buffer,
  ): Promise<StoredDataKey | null>;
  /** Atomically adds n to the use counter of that DEK version and returns the new total. */
  reserveUses(owner: KeyOwner, version: number, n: number): Promise<bigint>;
}

/** A string that identifies an owner unambiguously (the project id is length-prefixed). */
export function ownerKey(owner: KeyOwner): string {
  return owner.tenantId === null
    ? `${owner.projectId.length}:${owner.projectId}-`
    : `${owner.projectId.length}:${owner.projectId}+${owner.tenantId}`;
}

function copyKey(key: StoredDataKey): StoredDataKey {
  return { ...key, owner: { ...key.owner }, wrappedKey: Buffer.from(key.wrappedKey) };
}

/**
 * {@link DataKeyStore} in process memory. Same contract as the database store (atomic create-next,
 * atomic counters, copies in and out so callers cannot alias stored buffers); for tests and tools.
 */
export class InMemoryDataKeyStore implements DataKeyStore {
  readonly #keys = new Map<string, StoredDataKey[]>();

  findActive(owner: KeyOwner): Promise<StoredDataKey | null> {
    return settle(() => {
      const active = this.#versions(owner).find((k) => k.status === 'active');
      return active ? copyKey(active) : null;
    });
  }

  find(owner: KeyOwner, version: number): Promise<StoredDataKey | null> {
    return settle(() => {
      const key = this.#versions(owner).find((k) => k.version === version);
      return key ? copyKey(key) : null;
    });
  }

  createNext(
    owner: KeyOwner,
    expectedVersion: number,
    masterKeyVersion: number,
    wrappedKey: Buffer,
  ): Promise<StoredDataKey | null> {
    return settle(() => {
      const versions = this.#versions(owner);
      const latest = versions.reduce((max, k) => Math.max(max, k.version), 0);
      if (expectedVersion <= latest) return null;
      if (expectedVersion !== latest + 1) {
        throw new CryptoContextError(`Data key version ${expectedVersion} would skip version ${latest + 1}`);
      }
      for (const k of versions) k.status = 'retired';
      const created: StoredDataKey = {
        owner: { projectId: owner.projectId, tenantId: owner.tenantId },
        version: expectedVersion,
        masterKeyVersion,
        wrappedKey: Buffer.from(wrappedKey),
        status: 'active',
        useCount: 0n,
      };
      versions.push(created);
      this.#keys.set(ownerKey(owner), versions);
      return copyKey(created);
    });
  }

  reserveUses(owner: KeyOwner, version: number, n: number): Promise<bigint> {
    return settle(() => {
      const key = this.#versions(owner).find((k) => k.version === version);
      if (!key) throw new CryptoContextError(`No data key version ${version} for this owner`);
      key.useCount += BigInt(n);
      return key.useCount;
    });
  }

  /** Replaces the wrapped form of a version (what the master-key rotation job persists). */
  updateWrapped(owner: KeyOwner, version: number, masterKeyVersion: number, wrappedKey: Buffer): Promise<boolean> {
    return settle(() => {
      const key = this.#versions(owner).find((k) => k.version === version);
      if (!key) return false;
      key.masterKeyVersion = masterKeyVersion;
      key.wrappedKey = Buffer.from(wrappedKey);
      return true;
    });
  }

  /** Deletes every version of the owner's key: crypto-shredding. Returns how many were removed. */
  destroy(owner: KeyOwner): Promise<number> {
    return settle(() => {
      const removed = this.#versions(owner).length;
      this.#keys.delete(ownerKey(owner));
      return removed;
    });
  }

  /** Every stored key (copies), for rotation jobs and assertions. */
  list(): StoredDataKey[] {
    return [...this.#keys.values()].flat().map(copyKey);
  }

  #versions(owner: KeyOwner): StoredDataKey[] {
    return this.#keys.get(ownerKey(owner)) ?? [];
  }
}
