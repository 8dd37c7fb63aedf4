import type { AppDto } from '@authpipe/contract';
import type { ProviderAppRecord } from './apps.repository';

// The request and response schemas are the contract's.
export {
  appCredentialInputSchema,
  createAppSchema,
  customEndpointsSchema,
  listAppsQuerySchema,
  updateAppSchema,
  type AppCheckDto,
  type AppCredentialInput,
  type AppDto,
  type CreateAppInput,
  type ListAppsQuery,
  type UpdateAppInput,
} from '@authpipe/contract';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** Builds the public shape field by field, so a new column cannot leak by accident. */
export function toAppDto(app: ProviderAppRecord): AppDto {
  return {
    id: app.id,
    provider: app.provider,
    name: app.name,
    clientId: app.clientId,
    credential: {
      type: app.credentialType,
      expiresAt: iso(app.credentialExpiresAt),
      thumbprintSha256: app.certThumbprint,
    },
    cloud: app.cloud,
    endpoints:
      app.cloud === 'custom' && app.loginUrl && app.graphUrl
        ? { loginUrl: app.loginUrl, graphUrl: app.graphUrl, graphResource: app.graphResource }
        : null,
    userAuthority: app.userAuthority,
    homeTenantId: app.homeTenantId,
    userScopes: [...app.userScopes],
    installationScopes: [...app.installationScopes],
    redirectUris: [...app.redirectUris],
    allowedOrigins: [...app.allowedOrigins],
    status: app.status,
    statusDetail:
      app.statusError !== null
        ? { aadsts: app.statusAadsts, error: app.statusError, remediation: app.statusRemediation }
        : null,
    lastCheckedAt: iso(app.lastCheckedAt),
    createdAt: app.createdAt.toISOString(),
    updatedAt: app.updatedAt.toISOString(),
  };
}
