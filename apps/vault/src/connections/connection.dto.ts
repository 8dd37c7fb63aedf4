import { iso, statusDetail, type StatusDetailDto } from '../installations/installation.dto';
import type { ConnectionRecord } from './connections.repository';

/** A connection as the API shows it: never a token. */
export interface ConnectionDto {
  id: string;
  tenantId: string;
  provider: string;
  appId: string;
  installationId: string | null;
  userId: string;
  account: { oid: string; tid: string; upn: string | null };
  scopes: string[];
  status: string;
  statusDetail: StatusDetailDto;
  expiresAt: string | null;
  lastRefreshedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

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
    status: r.status,
    statusDetail: statusDetail(r),
    expiresAt: iso(r.expiresAt),
    lastRefreshedAt: iso(r.lastRefreshedAt),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}
