import type { TenantDto } from '@authpipe/contract';
import type { TenantSummary } from './tenants.repository';

// The request and response schemas are the contract's. A tenant is built field by field: key rows
// hold wrapped keys that must never leave.
export { tenantIdSchema, type TenantDto } from '@authpipe/contract';

export interface TenantPageDto {
  data: TenantDto[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export function toTenantDto(t: TenantSummary): TenantDto {
  return {
    tenantId: t.externalId,
    createdAt: t.createdAt.toISOString(),
    dataKeys: {
      activeVersion: t.dataKeys.find((k) => k.status === 'active')?.version ?? null,
      retiredVersions: t.dataKeys.filter((k) => k.status === 'retired').map((k) => k.version),
    },
    secretCount: t.secretCount,
  };
}
