import { Inject, Injectable } from '@nestjs/common';
import { Prisma, PrismaClient } from '@authpipe/prisma';
import { CLOCK, type Clock } from '../common/clock';
import { IDS, type IdGenerator } from '../common/id-generator';

/** The tenant row a key belongs to: `id` is internal (bound into AADs), `externalId` the project's name for it. */
export interface TenantRef {
  id: string;
  projectId: string;
  externalId: string;
}

const select = { id: true, projectId: true, externalId: true } as const;

/**
 * The few tenant-row operations key management needs (create on first secret, look up, delete on
 * shred). The tenants feature owns listing and the HTTP side.
 */
@Injectable()
export class TenantKeysRepository {
  constructor(
    private readonly prisma: PrismaClient,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(IDS) private readonly ids: IdGenerator,
  ) {}

  /** Returns the tenant, creating it on first use; concurrent callers get the same row. */
  async ensureTenant(projectId: string, externalId: string): Promise<TenantRef> {
    const existing = await this.findTenant(projectId, externalId);
    if (existing) return existing;
    try {
      return await this.prisma.tenant.create({
        data: { id: this.ids.next('ten'), projectId, externalId, createdAt: new Date(this.clock()) },
        select,
      });
    } catch (error) {
      if (!(error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002')) throw error;
      const winner = await this.findTenant(projectId, externalId);
      if (!winner) throw error;
      return winner;
    }
  }

  findTenant(projectId: string, externalId: string): Promise<TenantRef | null> {
    return this.prisma.tenant.findUnique({ where: { projectId_externalId: { projectId, externalId } }, select });
  }

  /** Deletes the tenant row (its remaining rows go by cascade). Returns whether it existed. */
  async deleteTenant(projectId: string, tenantId: string): Promise<boolean> {
    const { count } = await this.prisma.tenant.deleteMany({ where: { projectId, id: tenantId } });
    return count === 1;
  }
}
