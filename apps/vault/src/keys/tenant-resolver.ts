import { Injectable } from '@nestjs/common';
import type { TenantExternalId, TenantRef } from '../common/tenant-ids';
import { TenantKeysRepository } from './tenant-keys.repository';

/**
 * Turns the project's id for a tenant (`org_acme`) into its tenant row, and is the one place a
 * tenant row is created: a tenant exists from the first thing stored for it (a secret, a connect
 * session, a credential, an event), whichever comes first. Nothing else inserts into `tenants`.
 */
@Injectable()
export class TenantResolver {
  constructor(private readonly tenants: TenantKeysRepository) {}

  /**
   * The tenant, created on first use; concurrent callers (other replicas included) get the same
   * row. Runs in the ambient unit of work when there is one.
   */
  async resolve(projectId: string, tenantExternalId: TenantExternalId): Promise<TenantRef> {
    const existing = await this.tenants.findTenant(projectId, tenantExternalId);
    if (existing) return existing;
    await this.tenants.insertIfAbsent(projectId, tenantExternalId);
    const tenant = await this.tenants.findTenant(projectId, tenantExternalId);
    if (!tenant) throw new Error(`Tenant ${tenantExternalId} of project ${projectId} vanished while being created`);
    return tenant;
  }

  /** The tenant if it exists; never creates one (reads and deletes of a tenant's data). */
  find(projectId: string, tenantExternalId: TenantExternalId): Promise<TenantRef | null> {
    return this.tenants.findTenant(projectId, tenantExternalId);
  }
}
