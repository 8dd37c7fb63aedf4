import { Inject, Injectable } from '@nestjs/common';
import type { DataKeyStore, KeyOwner, StoredDataKey } from '@authpipe/crypto';
import { Prisma, PrismaClient, type DataKey } from '@authpipe/prisma';
import { CLOCK, type Clock } from '../common/clock';
import { IDS, type IdGenerator } from '../common/id-generator';
import { UnitOfWork } from '../database/unit-of-work';

/** A stored data key with its row id, as the rotation jobs page through them. */
export interface DataKeyRow {
  id: string;
  key: StoredDataKey;
}

// A project DEK is owned by the project, a tenant DEK by the tenant row: (owner_id, version) is
// unique for both, which is what makes concurrent createNext calls safe.
const ownerId = (owner: KeyOwner): string => owner.tenantId ?? owner.projectId;
const ownerWhere = (owner: KeyOwner) => ({
  ownerId: ownerId(owner),
  projectId: owner.projectId,
  tenantId: owner.tenantId,
});

function toStored(row: DataKey): StoredDataKey {
  if (row.status !== 'active' && row.status !== 'retired') {
    throw new Error(`data_keys row ${row.id} has unknown status ${row.status}`);
  }
  return {
    owner: { projectId: row.projectId, tenantId: row.tenantId },
    version: row.version,
    masterKeyVersion: row.masterKeyVersion,
    wrappedKey: Buffer.from(row.wrappedKey),
    status: row.status,
    useCount: row.useCount,
  };
}

function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}

/**
 * The vault's {@link DataKeyStore}: wrapped data keys in `data_keys`, plus the queries the key
 * jobs need (paging by master key version, rewrapping, shredding). Every owner-scoped method
 * takes the project and tenant first.
 */
@Injectable()
export class DataKeyRepository implements DataKeyStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly uow: UnitOfWork,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(IDS) private readonly ids: IdGenerator,
  ) {}

  async findActive(owner: KeyOwner): Promise<StoredDataKey | null> {
    const row = await this.prisma.dataKey.findFirst({ where: { ...ownerWhere(owner), status: 'active' } });
    return row ? toStored(row) : null;
  }

  async find(owner: KeyOwner, version: number): Promise<StoredDataKey | null> {
    const row = await this.prisma.dataKey.findFirst({ where: { ...ownerWhere(owner), version } });
    return row ? toStored(row) : null;
  }

  /**
   * Retires the owner's active version and inserts `expectedVersion` as active, in one
   * transaction. Two writers racing for the same version: the unique (owner_id, version) index
   * fails the second, whose transaction rolls back, and it gets null.
   */
  async createNext(
    owner: KeyOwner,
    expectedVersion: number,
    masterKeyVersion: number,
    wrappedKey: Buffer,
  ): Promise<StoredDataKey | null> {
    try {
      return await this.prisma.$transaction(async (tx) => {
        const latest = await tx.dataKey.aggregate({ where: ownerWhere(owner), _max: { version: true } });
        const next = (latest._max.version ?? 0) + 1;
        if (expectedVersion < next) return null;
        if (expectedVersion !== next) throw new Error(`Data key version ${expectedVersion} would skip version ${next}`);
        await tx.dataKey.updateMany({
          where: { ...ownerWhere(owner), status: 'active' },
          data: { status: 'retired', retiredAt: new Date(this.clock()) },
        });
        const row = await tx.dataKey.create({
          data: {
            id: this.ids.next('dek'),
            projectId: owner.projectId,
            tenantId: owner.tenantId,
            ownerId: ownerId(owner),
            version: expectedVersion,
            masterKeyVersion,
            wrappedKey: new Uint8Array(wrappedKey),
            status: 'active',
          },
        });
        return toStored(row);
      });
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }

  /** One UPDATE ... RETURNING, so concurrent replicas never reserve the same range of uses. */
  async reserveUses(owner: KeyOwner, version: number, n: number): Promise<bigint> {
    const rows = await this.prisma.$queryRaw<{ use_count: bigint }[]>`
      UPDATE data_keys SET use_count = use_count + ${n}
       WHERE owner_id = ${ownerId(owner)} AND project_id = ${owner.projectId}
         AND tenant_id IS NOT DISTINCT FROM ${owner.tenantId}::text AND version = ${version}
       RETURNING use_count`;
    const row = rows[0];
    if (!row) throw new Error(`No data key version ${version} for this owner`);
    return BigInt(row.use_count);
  }

  /** Every version of the owner's key, oldest first. */
  async listVersions(owner: KeyOwner): Promise<StoredDataKey[]> {
    const rows = await this.prisma.dataKey.findMany({ where: ownerWhere(owner), orderBy: { version: 'asc' } });
    return rows.map(toStored);
  }

  /**
   * How many data keys are wrapped by a master key version older than `current`. Newer versions
   * (a replica already configured with the next key) are not this process's to rewrap.
   */
  countBelowMaster(current: number): Promise<number> {
    return this.prisma.dataKey.count({ where: { masterKeyVersion: { lt: current } } });
  }

  /** Keyset page of data keys wrapped by a version older than `current`, ordered by id, after `afterId`. */
  async pageBelowMaster(current: number, afterId: string | null, limit: number): Promise<DataKeyRow[]> {
    const rows = await this.prisma.dataKey.findMany({
      where: { masterKeyVersion: { lt: current }, ...(afterId === null ? {} : { id: { gt: afterId } }) },
      orderBy: { id: 'asc' },
      take: limit,
    });
    return rows.map((row) => ({ id: row.id, key: toStored(row) }));
  }

  /**
   * Replaces the wrapped form of a batch of keys in one statement, each only if it is still
   * wrapped by the master version it was read with (a concurrent shred or rewrap wins).
   * Returns how many rows changed.
   */
  async replaceWrapped(
    rows: { id: string; fromMaster: number; wrappedKey: Buffer }[],
    toMaster: number,
  ): Promise<number> {
    if (rows.length === 0) return 0;
    // Hex text arrays travel through every driver adapter alike; decode() turns them back into bytea.
    const changed = await this.prisma.$queryRaw<{ id: string }[]>`
      UPDATE data_keys d
         SET wrapped_key = decode(v.wrapped_hex, 'hex'), master_key_version = ${toMaster}
        FROM unnest(${rows.map((r) => r.id)}::text[], ${rows.map((r) => r.fromMaster)}::int[],
                    ${rows.map((r) => r.wrappedKey.toString('hex'))}::text[]) AS v(id, from_master, wrapped_hex)
       WHERE d.id = v.id AND d.master_key_version = v.from_master
       RETURNING d.id`;
    return changed.length;
  }

  /** Distinct master key versions still wrapping at least one data key. */
  async masterVersionsInUse(): Promise<number[]> {
    const rows = await this.prisma.dataKey.findMany({
      distinct: ['masterKeyVersion'],
      select: { masterKeyVersion: true },
      orderBy: { masterKeyVersion: 'desc' },
    });
    return rows.map((r) => r.masterKeyVersion);
  }

  /**
   * Deletes every version of the owner's key: crypto-shredding. Returns how many were deleted.
   * Joins the ambient unit of work, so the shred commits together with its invalidation message.
   */
  async deleteAll(owner: KeyOwner): Promise<number> {
    const { count } = await this.uow.db.dataKey.deleteMany({ where: ownerWhere(owner) });
    return count;
  }

  /**
   * Deletes retired versions that no secret of the owner references any more and that were
   * retired before `retiredBefore` (so replicas whose caches still hold them as active have moved on).
   *
   * The candidates are locked first (FOR UPDATE waits for writers holding a key-share lock on
   * them, see SecretsRepository.upsert); the reference check then runs as a new statement that
   * sees those writers' rows. A version a late write still uses therefore stays.
   */
  async deleteUnreferencedRetired(owner: KeyOwner, retiredBefore: Date): Promise<number[]> {
    return this.prisma.$transaction(async (tx) => {
      const candidates = await tx.$queryRaw<{ id: string }[]>`
        SELECT id FROM data_keys
         WHERE owner_id = ${ownerId(owner)} AND project_id = ${owner.projectId}
           AND tenant_id IS NOT DISTINCT FROM ${owner.tenantId}::text
           AND status = 'retired' AND retired_at < ${retiredBefore}::timestamptz
         ORDER BY id
           FOR UPDATE`;
      if (candidates.length === 0) return [];
      const rows = await tx.$queryRaw<{ version: number }[]>`
        DELETE FROM data_keys d
         WHERE d.id = ANY(${candidates.map((c) => c.id)}::text[])
           AND NOT EXISTS (
             SELECT 1 FROM secrets s
              WHERE s.project_id = d.project_id AND s.tenant_id IS NOT DISTINCT FROM d.tenant_id
                AND s.dek_version = d.version)
         RETURNING d.version`;
      return rows.map((r) => r.version).sort((a, b) => a - b);
    });
  }
}
