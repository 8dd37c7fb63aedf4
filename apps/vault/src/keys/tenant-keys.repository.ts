import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { IDS, type IdGenerator } from '../common/id-generator';
import { UnitOfWork } from '../database/unit-of-work';

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
    private readonly uow: UnitOfWork,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(IDS) private readonly ids: IdGenerator,
  ) {}

  /**
   * Returns the tenant, creating it on first use; concurrent callers get the same row. The insert
   * skips an existing key instead of failing, so it may run inside a transaction too.
   */
  async ensureTenant(projectId: string, externalId: string): Promise<TenantRef> {
    const existing = await this.findTenant(projectId, externalId);
    if (existing) return existing;
    await this.uow.db.tenant.createMany({
      data: [{ id: this.ids.next('ten'), projectId, externalId, createdAt: new Date(this.clock()) }],
      skipDuplicates: true,
    });
    const tenant = await this.findTenant(projectId, externalId);
    if (!tenant) throw new Error(`Tenant ${externalId} of project ${projectId} vanished while being created`);
    return tenant;
  }

  findTenant(projectId: string, externalId: string): Promise<TenantRef | null> {
    return this.uow.db.tenant.findUnique({ where: { projectId_externalId: { projectId, externalId } }, select });
  }

  /** Deletes the tenant row (its remaining rows go by cascade). Returns whether it existed. */
  async deleteTenant(projectId: string, tenantId: string): Promise<boolean> {
    const { count } = await this.uow.db.tenant.deleteMany({ where: { projectId, id: tenantId } });
    return count === 1;
  }
}
