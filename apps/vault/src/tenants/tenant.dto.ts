import { z } from 'zod';
import type { TenantSummary } from './tenants.repository';

/** Public shape of a tenant. Built field by field: key rows hold wrapped keys that must never leave. */
export interface TenantDto {
  tenantId: string;
  createdAt: string;
  dataKeys: {
    /** Version used for new writes, or null before the tenant's first secret. */
    activeVersion: number | null;
    /** Older versions that still open existing ciphertexts until re-encryption ends. */
    retiredVersions: number[];
  };
  secretCount: number;
}

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

/** Tenant ids are the project's own names for its customers (`org_acme`). */
export const tenantIdSchema = z.string().min(1).max(200);

/** JSON schemas for the OpenAPI document, derived from the same shapes. */
export const tenantDtoJsonSchema = {
  type: 'object',
  properties: {
    tenantId: { type: 'string', example: 'org_acme' },
    createdAt: { type: 'string', format: 'date-time' },
    dataKeys: {
      type: 'object',
      properties: {
        activeVersion: { type: 'integer', nullable: true },
        retiredVersions: { type: 'array', items: { type: 'integer' } },
      },
    },
    secretCount: { type: 'integer' },
  },
} as const;
