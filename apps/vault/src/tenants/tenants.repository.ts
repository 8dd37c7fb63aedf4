import { Injectable } from '@nestjs/common';
import { PrismaClient } from '@authpipe/prisma';

/** What the tenants API shows about a tenant: ids, dates, key versions and counts, never key material. */
export interface TenantSummary {
  externalId: string;
  createdAt: Date;
  dataKeys: { version: number; status: string; createdAt: Date }[];
  secretCount: number;
}

/**
 * Reads tenants for the tenants API. Every method takes the project first, so a query across
 * projects cannot be written by accident. (Tenant rows are created by the TenantResolver alone
 * and deleted by the tenant shred: see README.md.)
 */
@Injectable()
export class TenantsRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** A page of the project's tenants ordered by external id, strictly after `after`. */
  async list(projectId: string, page: { limit: number; after?: string }): Promise<TenantSummary[]> {
    const tenants = await this.prisma.tenant.findMany({
      where: { projectId, ...(page.after !== undefined ? { externalId: { gt: page.after } } : {}) },
      orderBy: { externalId: 'asc' },
      take: page.limit,
      select: { id: true, externalId: true, createdAt: true },
    });
    return this.summarise(projectId, tenants);
  }

  /** One tenant of the project by its external id, or null (also for another project's tenant). */
  async find(projectId: string, externalId: string): Promise<TenantSummary | null> {
    const tenant = await this.prisma.tenant.findUnique({
      where: { projectId_externalId: { projectId, externalId } },
      select: { id: true, externalId: true, createdAt: true },
    });
    if (!tenant) return null;
    const [summary] = await this.summarise(projectId, [tenant]);
    return summary ?? null;
  }

  // Two grouped queries per page rather than one per tenant.
  private async summarise(
    projectId: string,
    tenants: { id: string; externalId: string; createdAt: Date }[],
  ): Promise<TenantSummary[]> {
    if (tenants.length === 0) return [];
    const ids = tenants.map((t) => t.id);
    const [keys, counts] = await Promise.all([
      this.prisma.dataKey.findMany({
        where: { projectId, tenantId: { in: ids } },
        orderBy: { version: 'desc' },
        select: { tenantId: true, version: true, status: true, createdAt: true },
      }),
      this.prisma.secret.groupBy({
        by: ['tenantId'],
        where: { projectId, tenantId: { in: ids } },
        _count: { _all: true },
      }),
    ]);
    const countOf = new Map(counts.map((c) => [c.tenantId, c._count._all]));
    return tenants.map((t) => ({
      externalId: t.externalId,
      createdAt: t.createdAt,
      dataKeys: keys
        .filter((k) => k.tenantId === t.id)
        .map((k) => ({ version: k.version, status: k.status, createdAt: k.createdAt })),
      secretCount: countOf.get(t.id) ?? 0,
    }));
  }
}
