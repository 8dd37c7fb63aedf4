import { Injectable } from '../common/nest-di';
import { PrismaClient } from '@authpipe/prisma';
import { UnitOfWork } from '../database/unit-of-work';

/** An API key row without anything secret-derived except the hash the guard compares. */
export interface ApiKeyRecord {
  id: string;
  projectId: string;
  publicId: string;
  name: string;
  lastFour: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const listSelect = {
  id: true,
  projectId: true,
  publicId: true,
  name: true,
  lastFour: true,
  createdAt: true,
  lastUsedAt: true,
  revokedAt: true,
} as const;

/** Persistence of API keys. Every method but the guard's lookup is scoped by project. */
@Injectable()
export class ApiKeysRepository {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly uow: UnitOfWork,
  ) {}

  async create(
    projectId: string,
    key: { id: string; publicId: string; secretHash: Buffer; name: string; lastFour: string },
  ): Promise<ApiKeyRecord> {
    // Creation and revocation join the ambient unit of work: they commit with their bus message.
    return this.uow.db.apiKey.create({
      data: { projectId, ...key, secretHash: new Uint8Array(key.secretHash) },
      select: listSelect,
    });
  }

  async list(projectId: string): Promise<ApiKeyRecord[]> {
    return this.prisma.apiKey.findMany({ where: { projectId }, orderBy: { createdAt: 'asc' }, select: listSelect });
  }

  /** Finds a key of the project by its id or public id. */
  async find(projectId: string, idOrPublicId: string): Promise<ApiKeyRecord | null> {
    return this.prisma.apiKey.findFirst({
      where: { projectId, OR: [{ id: idOrPublicId }, { publicId: idOrPublicId }] },
      select: listSelect,
    });
  }

  /** Marks a key revoked; a key already revoked keeps its first revocation date. */
  async revoke(projectId: string, id: string, at: Date): Promise<void> {
    await this.uow.db.apiKey.updateMany({ where: { projectId, id, revokedAt: null }, data: { revokedAt: at } });
  }

  /**
   * The guard's lookup by the public part of a presented key. Not scoped by project: the key
   * is what tells which project is calling.
   */
  async findForAuthentication(
    publicId: string,
  ): Promise<(Pick<ApiKeyRecord, 'id' | 'projectId' | 'revokedAt'> & { secretHash: Uint8Array }) | null> {
    return this.prisma.apiKey.findUnique({
      where: { publicId },
      select: { id: true, projectId: true, revokedAt: true, secretHash: true },
    });
  }

  /**
   * Moves `lastUsedAt` forward to `at`, never back: these writes are fire-and-forget on the pool
   * (and come from every replica), so an older one may land after a newer one.
   */
  async touchLastUsed(projectId: string, id: string, at: Date): Promise<void> {
    await this.prisma.apiKey.updateMany({
      where: { projectId, id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: at } }] },
      data: { lastUsedAt: at },
    });
  }
}
