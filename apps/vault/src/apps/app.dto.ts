import { CLOUD_NAMES, tenantSchema } from '@authpipe/microsoft';
import { z } from 'zod';
import { pageQuerySchema } from '../common/cursor';
import type { ProviderAppRecord } from './apps.repository';
import { originSchema, redirectUriSchema } from './url-rules';

const httpsOrigin = z.url({ protocol: /^https$/ }).max(500);

/** Custom endpoints of an app whose cloud is `custom` (an emulator, a sovereign proxy). */
export const customEndpointsSchema = z.object({
  loginUrl: httpsOrigin,
  graphUrl: httpsOrigin,
  graphResource: httpsOrigin.optional(),
});

/** The credential as the API accepts it; write-only, never returned. */
export const appCredentialInputSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('secret'),
    secret: z.string().min(1).max(1000),
    /** When the secret expires (Entra shows it); tracked to warn before it does. */
    expiresAt: z.iso.datetime({ offset: true }).optional(),
  }),
  z.object({
    type: z.literal('certificate'),
    certificatePem: z.string().min(1).max(100_000).optional(),
    privateKeyPem: z.string().min(1).max(100_000).optional(),
    privateKeyPassphrase: z.string().max(1000).optional(),
    pfxBase64: z.string().min(1).max(200_000).optional(),
    password: z.string().max(1000).optional(),
  }),
]);
export type AppCredentialInput = z.infer<typeof appCredentialInputSchema>;

const scopeList = z.array(z.string().min(1).max(200)).max(50);
const cloudName = z.enum([...CLOUD_NAMES, 'custom']);

const appFields = {
  name: z.string().trim().min(1).max(200),
  clientId: z.guid('must be the application (client) id, a GUID'),
  credential: appCredentialInputSchema,
  cloud: cloudName.default('global'),
  endpoints: customEndpointsSchema.optional(),
  userAuthority: tenantSchema.default('organizations'),
  homeTenantId: tenantSchema.nullable().optional(),
  userScopes: scopeList.optional(),
  installationScopes: scopeList.optional(),
  redirectUris: z.array(redirectUriSchema).min(1).max(20).optional(),
  allowedOrigins: z.array(originSchema).max(50).optional(),
};

function endpointsMatchCloud(value: { cloud?: string; endpoints?: unknown }, ctx: z.RefinementCtx): void {
  if (value.cloud === 'custom' && value.endpoints === undefined) {
    ctx.addIssue({ code: 'custom', path: ['endpoints'], message: 'required when cloud is custom' });
  }
  if (value.cloud !== undefined && value.cloud !== 'custom' && value.endpoints !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['endpoints'], message: 'only for cloud custom' });
  }
}

/** Body of POST /v1/apps. */
export const createAppSchema = z
  .object({ provider: z.string().min(1).max(100).default('microsoft-onedrive'), ...appFields })
  .superRefine(endpointsMatchCloud);
export type CreateAppInput = z.infer<typeof createAppSchema>;

/** Body of PATCH /v1/apps/:id: any field but the provider. */
export const updateAppSchema = z
  .object({
    name: appFields.name.optional(),
    clientId: appFields.clientId.optional(),
    credential: appFields.credential.optional(),
    cloud: cloudName.optional(),
    endpoints: appFields.endpoints,
    userAuthority: tenantSchema.optional(),
    homeTenantId: appFields.homeTenantId,
    userScopes: appFields.userScopes,
    installationScopes: appFields.installationScopes,
    redirectUris: appFields.redirectUris,
    allowedOrigins: appFields.allowedOrigins,
  })
  .strict()
  .superRefine(endpointsMatchCloud);
export type UpdateAppInput = z.infer<typeof updateAppSchema>;

export const listAppsQuerySchema = pageQuerySchema.extend({ provider: z.string().min(1).max(100).optional() });
export type ListAppsQuery = z.infer<typeof listAppsQuerySchema>;

export const appIdSchema = z.string().min(1).max(100);

/** An app as the API shows it: no secret, no private key, ever. */
export interface AppDto {
  id: string;
  provider: string;
  name: string;
  clientId: string;
  credential: { type: string; expiresAt: string | null; thumbprintSha256: string | null };
  cloud: string;
  endpoints: { loginUrl: string; graphUrl: string; graphResource: string | null } | null;
  userAuthority: string;
  homeTenantId: string | null;
  userScopes: string[];
  installationScopes: string[];
  redirectUris: string[];
  allowedOrigins: string[];
  status: string;
  statusDetail: { aadsts: number | null; error: string | null; remediation: string | null } | null;
  lastCheckedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

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

/** Result of POST /v1/apps/:id/check. */
export interface AppCheckDto {
  ok: boolean;
  status: string;
  checkedAt: string;
  directory: string;
  token: { expiresAt: string } | null;
  error: { kind: string; aadsts: number | null; error: string; remediation: string; action: string | null } | null;
}
