import { Injectable } from '@nestjs/common';
import type { KeyOwner } from '@authpipe/crypto';
import { PrismaClient } from '@authpipe/prisma';

/**
 * Ciphertext bytes as Prisma returns them (`Bytes`): handed to `Envelope.decrypt`, which views a
 * plain Uint8Array without copying, and back to Prisma as they are.
 */
export type StoredCiphertext = Uint8Array<ArrayBuffer>;

/** A stored secret as the re-encryption job pages through it. */
export interface StoredSecret {
  recordType: string;
  recordId: string;
  field: string;
  id: string;
  ciphertext: StoredCiphertext;
  dekVersion: number;
}

const ownerWhere = (owner: KeyOwner) => ({ projectId: owner.projectId, tenantId: owner.tenantId });

/**
 * The key jobs' system-scope sweeps of the `secrets` table: re-encrypting an owner's ciphertexts
 * under a new data key, and deleting them when the owner is shredded. Every query is still bound
 * to one owner (project, and tenant row id or null for project secrets).
 */
@Injectable()
export class CiphertextSweepRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** How many of the owner's secrets are under a DEK version older than `version`. */
  countBelowVersion(owner: KeyOwner, version: number): Promise<number> {
    return this.prisma.secret.count({ where: { ...ownerWhere(owner), dekVersion: { lt: version } } });
  }

  /** Keyset page (by id, after `afterId`) of the owner's secrets under a DEK version older than `version`. */
  pageBelowVersion(owner: KeyOwner, version: number, afterId: string | null, limit: number): Promise<StoredSecret[]> {
    return this.prisma.secret.findMany({
      where: {
        ...ownerWhere(owner),
        dekVersion: { lt: version },
        ...(afterId === null ? {} : { id: { gt: afterId } }),
      },
      orderBy: { id: 'asc' },
      take: limit,
      select: { id: true, recordType: true, recordId: true, field: true, ciphertext: true, dekVersion: true },
    });
  }

  /**
   * Replaces a ciphertext only if it is still `expected`: a concurrent put of a new value wins
   * over the re-encryption of the old one. Returns whether the row changed.
   */
  async replaceIfUnchanged(
    owner: KeyOwner,
    id: string,
    expected: StoredCiphertext,
    next: Buffer,
    dekVersion: number,
  ): Promise<boolean> {
    const { count } = await this.prisma.secret.updateMany({
      where: { ...ownerWhere(owner), id, ciphertext: { equals: expected } },
      data: { ciphertext: new Uint8Array(next), dekVersion },
    });
    return count === 1;
  }

  countForOwner(owner: KeyOwner): Promise<number> {
    return this.prisma.secret.count({ where: ownerWhere(owner) });
  }

  /** Deletes up to `limit` of the owner's secrets, lowest ids first; returns the ids deleted. */
  async deleteBatch(owner: KeyOwner, limit: number): Promise<string[]> {
    const rows = await this.prisma.secret.findMany({
      where: ownerWhere(owner),
      orderBy: { id: 'asc' },
      take: limit,
      select: { id: true },
    });
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    await this.prisma.secret.deleteMany({ where: { ...ownerWhere(owner), id: { in: ids } } });
    return ids;
  }
}
