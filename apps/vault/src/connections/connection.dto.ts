import type { CredentialStatus } from '@authpipe/contract';
import type { ConnectionDto } from '@authpipe/contract';
import { iso, statusDetail } from '../installations/installation.dto';
import type { ConnectionRecord } from './connections.repository';

export type { ConnectionDto };

/** Builds the public shape field by field, so a new column cannot leak by accident. */
export function toConnectionDto(r: ConnectionRecord): ConnectionDto {
  return {
    id: r.id,
    tenantId: r.tenantExternalId,
    provider: r.provider,
    appId: r.appId,
    installationId: r.installationId,
    userId: r.userId,
    account: { oid: r.oid, tid: r.tid, upn: r.upn },
    scopes: [...r.scopes],
    // The column holds only the contract's statuses.
    status: r.status as CredentialStatus,
    statusDetail: statusDetail(r),
    expiresAt: iso(r.expiresAt),
    lastRefreshedAt: iso(r.lastRefreshedAt),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}
