import { z } from 'zod';
import { pageQuerySchema } from '../common/cursor';
import { tenantIdSchema } from '../tenants/tenant.dto';
import { CREDENTIAL_STATUSES, type InstallationRecord } from './installations.repository';

/** Query of GET /v1/installations and GET /v1/connections. */
export const listCredentialsQuerySchema = pageQuerySchema.extend({
  tenantId: tenantIdSchema.optional(),
  provider: z.string().min(1).max(100).optional(),
  status: z.enum(CREDENTIAL_STATUSES).optional(),
});
export type ListCredentialsQuery = z.infer<typeof listCredentialsQuerySchema>;

export const recordIdSchema = z.string().min(1).max(100);

/** Status and, when not active, why, as every credential DTO shows it. */
export interface StatusDetailDto {
  aadsts: number | null;
  error: string | null;
  remediation: string | null;
  changedAt: string | null;
}

/** An installation as the API shows it: never a token. */
export interface InstallationDto {
  id: string;
  tenantId: string;
  provider: string;
  appId: string;
  directoryId: string;
  cloud: string;
  resource: {
    kind: string;
    driveId: string | null;
    siteId: string | null;
    user: string | null;
    webUrl: string | null;
  } | null;
  scopes: string[];
  consentedAt: string;
  consentedBy: string | null;
  status: string;
  statusDetail: StatusDetailDto;
  expiresAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface PageDto<T> {
  data: T[];
  nextCursor: string | null;
}

export const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function statusDetail(r: {
  statusAadsts: number | null;
  statusError: string | null;
  statusRemediation: string | null;
  statusChangedAt: Date | null;
}): StatusDetailDto {
  return {
    aadsts: r.statusAadsts,
    error: r.statusError,
    remediation: r.statusRemediation,
    changedAt: iso(r.statusChangedAt),
  };
}

/** Builds the public shape field by field, so a new column cannot leak by accident. */
export function toInstallationDto(r: InstallationRecord): InstallationDto {
  return {
    id: r.id,
    tenantId: r.tenantExternalId,
    provider: r.provider,
    appId: r.appId,
    directoryId: r.directoryId,
    cloud: r.cloud,
    resource:
      r.resourceKind !== null
        ? {
            kind: r.resourceKind,
            driveId: r.resourceDriveId,
            siteId: r.resourceSiteId,
            user: r.resourceUser,
            webUrl: r.resourceWebUrl,
          }
        : null,
    scopes: [...r.scopes],
    consentedAt: r.consentedAt.toISOString(),
    consentedBy: r.consentedBy,
    status: r.status,
    statusDetail: statusDetail(r),
    expiresAt: iso(r.expiresAt),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}
