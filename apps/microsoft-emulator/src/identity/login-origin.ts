import type { FastifyRequest } from 'fastify';
import { cloudForLoginHost, hostWithoutPort, sameLoginHost } from '../directory/clouds';
import type { CloudName, DirectoryTenant } from '../directory/directory.types';
import type { DirectoryStore } from '../directory/contracts';
import { Aadsts } from './aadsts';

/** Who the client thinks it is talking to: a real login host of a cloud, or the emulator's own origin. */
export interface LoginOrigin {
  cloud: CloudName;
  /** `https://login.microsoftonline.com`, or `https://127.0.0.1:PORT` for a custom endpoint. */
  base: string;
  /** Host used in `error_uri`. */
  host: string;
}

/**
 * A request to a real Microsoft login host (or an alias, such as China's older
 * login.chinacloudapi.cn) answers as that cloud with URLs on that host; any other host answers as
 * 'global' with URLs on the request's own origin, so discovery, issuers and tokens agree with
 * whatever authority the client configured.
 */
export function loginOriginOf(request: FastifyRequest): LoginOrigin {
  const host = request.headers.host ?? request.hostname;
  const cloud = cloudForLoginHost(host);
  if (cloud) {
    const bare = hostWithoutPort(host);
    return { cloud, base: `https://${bare}`, host: bare };
  }
  return { cloud: 'global', base: `${request.protocol}://${host}`, host };
}

/** The tenant path segment of a request, resolved. */
export type TenantSegment =
  | { kind: 'common' | 'organizations' | 'consumers'; segment: string; tenant: DirectoryTenant | null }
  | { kind: 'tenant'; segment: string; tenant: DirectoryTenant };

/** The consumers (MSA) tenant, fixed by Microsoft. */
export const CONSUMERS_TENANT_ID = '9188040d-6c67-4c5b-b112-36a304b66dad';

/**
 * Resolves `common`, `organizations`, `consumers`, a GUID or a verified domain, among the tenants
 * of the cloud the request came to; anything else is AADSTS90002. National clouds are separate
 * directories: a tenant of another cloud is not found here, as Microsoft's message for 90002 says
 * ("signing into the correct cloud").
 * https://learn.microsoft.com/en-us/entra/identity-platform/msal-client-application-configuration#authority
 * https://learn.microsoft.com/en-us/entra/identity-platform/authentication-national-cloud
 */
export function resolveTenantSegment(store: DirectoryStore, segment: string, cloud: CloudName): TenantSegment {
  const lower = segment.toLowerCase();
  if (lower === 'common' || lower === 'organizations') return { kind: lower, segment: lower, tenant: null };
  const inCloud = (tenant: DirectoryTenant | undefined): DirectoryTenant | undefined =>
    tenant && sameLoginHost(tenant.cloud, cloud) ? tenant : undefined;
  if (lower === 'consumers')
    return { kind: 'consumers', segment: lower, tenant: inCloud(store.findTenant(CONSUMERS_TENANT_ID)) ?? null };
  const tenant = inCloud(store.findTenant(lower));
  if (!tenant) throw Aadsts.tenantNotFound(segment);
  if (tenant.kind === 'consumers') return { kind: 'consumers', segment: lower, tenant };
  return { kind: 'tenant', segment: lower, tenant };
}
