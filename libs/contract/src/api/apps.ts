import { z } from 'zod';
import { isoDateTime, pageQueryFields, providerIdSchema } from './common';

/** Microsoft's named clouds (the same list as @authpipe/microsoft's CLOUD_NAMES). */
export const CLOUD_NAMES = ['global', 'usgov-l4', 'usgov-l5', 'china'] as const;
export const cloudSchema = z
  .enum([...CLOUD_NAMES, 'custom'])
  .describe('A national cloud by name, or `custom` with endpoints (an emulator, a sovereign proxy).');

/** An authority tenant: common, organizations, consumers, a directory GUID or a domain. */
export const authorityTenantSchema = z
  .string()
  .regex(
    /^(common|organizations|consumers|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+)$/,
    { message: 'tenant must be common, organizations, consumers, a directory GUID or a domain' },
  );

// Plain http is accepted only on loopback, where developers run the vault and their frontend;
// anywhere else an authorization code or a postMessage result would cross the network in clear.
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

function parseUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/** https, or http on a loopback host. */
export function isSecureOrLoopback(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
}

/** An OAuth redirect URI: absolute, https (http only on loopback), no fragment, no credentials. */
export const redirectUriSchema = z
  .string()
  .max(2000)
  .refine((value) => {
    const url = parseUrl(value);
    return url !== null && isSecureOrLoopback(url) && url.hash === '' && url.username === '' && url.password === '';
  }, 'must be an absolute https URL (http only for 127.0.0.1 or localhost), without fragment or credentials');

/** A browser origin allowed to open popups and receive results: scheme, host and port only. */
export const originSchema = z
  .string()
  .max(500)
  .refine((value) => {
    const url = parseUrl(value);
    return url !== null && isSecureOrLoopback(url) && url.origin === value.replace(/\/$/, '');
  }, 'must be an origin such as https://app.example.com (http only for 127.0.0.1 or localhost), without path')
  .transform((value) => new URL(value).origin);

const httpsOrigin = z.url({ protocol: /^https$/ }).max(500);

/** Custom endpoints of an app whose cloud is `custom`. */
export const customEndpointsSchema = z.strictObject({
  loginUrl: httpsOrigin,
  graphUrl: httpsOrigin,
  graphResource: httpsOrigin.optional(),
});

/** The credential as the API accepts it; write-only, never returned. */
export const appCredentialInputSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('secret'),
    secret: z.string().min(1).max(1000),
    /** When the secret expires (Entra shows it); tracked to warn before it does. */
    expiresAt: isoDateTime.optional(),
  }),
  z.strictObject({
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

const appFields = {
  name: z.string().trim().min(1).max(200),
  clientId: z.guid({
    error: (issue) => (issue.input === undefined ? 'required' : 'must be the application (client) id, a GUID'),
  }),
  credential: appCredentialInputSchema,
  cloud: cloudSchema.default('global'),
  endpoints: customEndpointsSchema.optional(),
  userAuthority: authorityTenantSchema.default('organizations'),
  homeTenantId: authorityTenantSchema.nullable().optional(),
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
  .strictObject({ provider: providerIdSchema.default('microsoft-onedrive'), ...appFields })
  .superRefine(endpointsMatchCloud);
export type CreateAppInput = z.infer<typeof createAppSchema>;

/** Body of PATCH /v1/apps/:id: any field but the provider. */
export const updateAppSchema = z
  .strictObject({
    name: appFields.name.optional(),
    clientId: appFields.clientId.optional(),
    credential: appFields.credential.optional(),
    cloud: cloudSchema.optional(),
    endpoints: appFields.endpoints,
    userAuthority: authorityTenantSchema.optional(),
    homeTenantId: appFields.homeTenantId,
    userScopes: appFields.userScopes,
    installationScopes: appFields.installationScopes,
    redirectUris: appFields.redirectUris,
    allowedOrigins: appFields.allowedOrigins,
  })
  .superRefine(endpointsMatchCloud);
export type UpdateAppInput = z.infer<typeof updateAppSchema>;

/** Query of GET /v1/apps. */
export const listAppsQuerySchema = z.strictObject({ ...pageQueryFields, provider: providerIdSchema.optional() });
export type ListAppsQuery = z.infer<typeof listAppsQuerySchema>;

/** An app as the API shows it: no secret, no private key, ever. */
export const appSchema = z.object({
  id: z.string(),
  provider: z.string(),
  name: z.string(),
  clientId: z.string(),
  credential: z.object({
    type: z.enum(['secret', 'certificate']),
    expiresAt: isoDateTime.nullable(),
    thumbprintSha256: z.string().nullable(),
  }),
  cloud: z.string(),
  endpoints: z.object({ loginUrl: z.string(), graphUrl: z.string(), graphResource: z.string().nullable() }).nullable(),
  userAuthority: z.string(),
  homeTenantId: z.string().nullable(),
  userScopes: z.array(z.string()),
  installationScopes: z.array(z.string()),
  redirectUris: z.array(z.string()),
  allowedOrigins: z.array(z.string()),
  status: z.string().describe('`unchecked`, `ok` or `misconfigured`: the last check or flow result.'),
  statusDetail: z
    .object({ aadsts: z.number().int().nullable(), error: z.string().nullable(), remediation: z.string().nullable() })
    .nullable(),
  lastCheckedAt: isoDateTime.nullable(),
  createdAt: isoDateTime,
  updatedAt: isoDateTime,
});
export type AppDto = z.infer<typeof appSchema>;

/** Result of POST /v1/apps/:id/check. */
export const appCheckSchema = z.object({
  ok: z.boolean(),
  status: z.string(),
  checkedAt: isoDateTime,
  directory: z.string(),
  token: z.object({ expiresAt: isoDateTime }).nullable(),
  error: z
    .object({
      kind: z.string(),
      aadsts: z.number().int().nullable(),
      error: z.string(),
      remediation: z.string(),
      action: z.string().nullable(),
    })
    .nullable(),
});
export type AppCheckDto = z.infer<typeof appCheckSchema>;
