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

interface Slot<T> extends CacheEntry<T> {
  readonly parts: CredentialKeyParts;
  /** Read since the eviction hand last passed (the CLOCK algorithm's reference bit). */
  used: boolean;
}

interface TenantNode<T> {
  installation: Slot<T> | undefined;
  users: Map<string, Slot<T>>;
}

/**
 * A string naming one key, for maps beside the cache (requests in flight): its parts kept apart
 * by NUL, which no validated part holds (see {@link assertKeyPart}).
 */
export function cacheKey(parts: CredentialKeyParts): string {
  return `${parts.provider}\u0000${parts.tenantId}\u0000${parts.credentialFor}\u0000${parts.userId ?? ''}`;
}

/** Refuses an id that is empty or holds control characters (the vault refuses them too). */
export function assertKeyPart(name: string, value: unknown): asserts value is string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (typeof value !== 'string' || value.length === 0 || /[\u0000-\u001f\u007f]/.test(value))
    throw new TypeError(`${name} must be a non-empty string without control characters.`);
}

/**
 * A bounded cache of served credentials, keyed by (provider, tenant, kind, user) exactly: an
 * index of nested maps, one level per part, so a read builds no string and no key can be mistaken
 * for another (an installation and the users of a tenant sit in separate places). When full, the
 * CLOCK algorithm drops an entry not read since the hand last passed (close to least recently
 * used, at the cost of one field write per read). `epoch` grows on every eviction, so a request
 * that started before one does not store its (possibly revoked) answer after it.
 */
export class CredentialCache<T> {
  private readonly index = new Map<string, Map<string, TenantNode<T>>>();
  /** Every slot, oldest first: the CLOCK algorithm's ring. */
  private readonly ring = new Set<Slot<T>>();
  private currentEpoch = 0;

  constructor(private readonly maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new TypeError('maxEntries must be a positive integer.');
  }

  /** Bumped by every eviction. */
  get epoch(): number {
    return this.currentEpoch;
  }

  get size(): number {
    return this.ring.size;
  }

  /** The entry of exactly these parts, if cached. Parts need no validation: only validated ones are stored. */
  get(
    provider: string,
    tenantId: string,
    credentialFor: string,
    userId: string | undefined,
  ): CacheEntry<T> | undefined {
    const tenant = this.index.get(provider)?.get(tenantId);
    if (tenant === undefined) return undefined;
    let slot: Slot<T> | undefined;
    if (credentialFor === 'user') slot = userId === undefined ? undefined : tenant.users.get(userId);
    else if (credentialFor === 'installation' && userId === undefined) slot = tenant.installation;
    if (slot !== undefined) slot.used = true;
    return slot;
  }

  /** Stores `entry` under validated `parts`, unless an eviction happened since `epoch` was read. */
  set(parts: CredentialKeyParts, entry: CacheEntry<T>, epoch: number): boolean {
    if (epoch !== this.currentEpoch) return false;
    const slot: Slot<T> = { ...entry, parts, used: false };
    let tenants = this.index.get(parts.provider);
    if (tenants === undefined) this.index.set(parts.provider, (tenants = new Map<string, TenantNode<T>>()));
    let tenant = tenants.get(parts.tenantId);
    if (tenant === undefined) tenants.set(parts.tenantId, (tenant = { installation: undefined, users: new Map() }));
    const previous = parts.credentialFor === 'user' ? tenant.users.get(parts.userId!) : tenant.installation;
    if (previous !== undefined) this.ring.delete(previous);
    if (parts.credentialFor === 'user') tenant.users.set(parts.userId!, slot);
    else tenant.installation = slot;
    this.ring.add(slot);
    if (this.ring.size > this.maxEntries) this.evictOne();
    return true;
  }

  /** Drops the entry of `parts`; answers whether there was one. */
  delete(parts: CredentialKeyParts): boolean {
    this.currentEpoch++;
    const slot = this.get(parts.provider, parts.tenantId, parts.credentialFor, parts.userId) as Slot<T> | undefined;
    if (slot === undefined) return false;
    this.remove(slot);
    return true;
  }

  /** Drops every entry of the credential `credentialId`; answers how many. */
  deleteCredential(credentialId: string): number {
    this.currentEpoch++;
    let dropped = 0;
    for (const slot of this.ring) {
      if (slot.credentialId === credentialId) {
        this.remove(slot);
        dropped++;
      }
    }
    return dropped;
  }

  clear(): void {
    this.currentEpoch++;
    this.index.clear();
    this.ring.clear();
  }

  private evictOne(): void {
    for (const slot of this.ring) {
      if (!slot.used) {
        this.remove(slot);
        return;
      }
      // Read since the hand last passed: a second chance, at the young end of the ring.
      slot.used = false;
      this.ring.delete(slot);
      this.ring.add(slot);
    }
  }

  private remove(slot: Slot<T>): void {
    this.ring.delete(slot);
    const { provider, tenantId, credentialFor, userId } = slot.parts;
    const tenants = this.index.get(provider);
    const tenant = tenants?.get(tenantId);
    if (tenants === undefined || tenant === undefined) return;
    if (credentialFor === 'user') {
      if (tenant.users.get(userId!) === slot) tenant.users.delete(userId!);
    } else if (tenant.installation === slot) tenant.installation = undefined;
    // Empty branches go too, so the index stays as small as the ring.
    if (tenant.installation === undefined && tenant.users.size === 0) tenants.delete(tenantId);
    if (tenants.size === 0) this.index.delete(provider);
  }
}
