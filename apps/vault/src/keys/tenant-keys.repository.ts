import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '../common/clock';
import { IDS, type IdGenerator } from '../common/id-generator';
import {
  asTenantExternalId,
  asTenantRowId,
  type TenantExternalId,
  type TenantRef,
  type TenantRowId,
} from '../common/tenant-ids';
import { UnitOfWork } from '../database/unit-of-work';

const select = { id: true, projectId: true, externalId: true } as const;

const toRef = (row: { id: string; projectId: string; externalId: string }): TenantRef => ({
  projectId: row.projectId,
  tenantRowId: asTenantRowId(row.id),
  tenantExternalId: asTenantExternalId(row.externalId),
});

/**
 * The tenant rows themselves: insert (for {@link TenantResolver} alone: keys/tenant-resolver.ts),
 * look up, delete on shred. The tenants feature owns listing and the HTTP side.
 */
@Injectable()
export class TenantKeysRepository {
  constructor(
    private readonly uow: UnitOfWork,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(IDS) private readonly ids: IdGenerator,
  ) {}

  /**
   * Inserts the tenant unless the project already has it. Skips an existing key instead of
   * failing, so it may run inside a transaction too. Only the TenantResolver calls this.
   */
  async insertIfAbsent(projectId: string, tenantExternalId: TenantExternalId): Promise<void> {
    await this.uow.db.tenant.createMany({
      data: [{ id: this.ids.next('ten'), projectId, externalId: tenantExternalId, createdAt: new Date(this.clock()) }],
      skipDuplicates: true,
    });
  }

  async findTenant(projectId: string, tenantExternalId: TenantExternalId): Promise<TenantRef | null> {
    const row = await this.uow.db.tenant.findUnique({
      where: { projectId_externalId: { projectId, externalId: tenantExternalId } },
      select,
    });
    return row && toRef(row);
  }

  /** Deletes the tenant row (its remaining rows go by cascade). Returns whether it existed. */
  async deleteTenant(projectId: string, tenantRowId: TenantRowId): Promise<boolean> {
    const { count } = await this.uow.db.tenant.deleteMany({ where: { projectId, id: tenantRowId } });
    return count === 1;
  }
}
