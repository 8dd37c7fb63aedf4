import type { CredentialStatus } from '@authpipe/contract';
import type { InstallationDto, Page } from '@authpipe/contract';
import type { z } from 'zod';
import type { statusDetailSchema } from '@authpipe/contract';
import type { InstallationRecord } from './installations.repository';

// The request and response schemas are the contract's.
export {
  listCredentialsQuerySchema,
  recordIdSchema,
  type InstallationDto,
  type ListCredentialsQuery,
} from '@authpipe/contract';

/** Status and, when not active, why, as every credential DTO shows it. */
export type StatusDetailDto = z.infer<typeof statusDetailSchema>;

export type PageDto<T> = Page<T>;

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
    // The column holds only the contract's statuses.
    status: r.status as CredentialStatus,
    statusDetail: statusDetail(r),
    expiresAt: iso(r.expiresAt),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}
