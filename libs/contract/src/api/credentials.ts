import { z } from 'zod';
import { credentialStatusSchema } from '../credential-status';
import {
  credentialForSchema,
  isoDateTime,
  pageQueryFields,
  providerIdSchema,
  statusDetailSchema,
  tenantIdSchema,
  userIdSchema,
} from './common';

/** Path of GET /v1/credentials/:provider. */
export const getCredentialParamsSchema = z.strictObject({ provider: providerIdSchema });

/** Query of GET /v1/credentials/:provider. */
export const getCredentialQuerySchema = z
  .strictObject({
    tenantId: tenantIdSchema,
    userId: userIdSchema.optional().describe('Required with credentialFor user; refused with installation.'),
    credentialFor: credentialForSchema,
    forceRefresh: z
      .enum(['true', 'false'])
      .default('false')
      .describe('Renew now even if the token is valid (honoured at most once per credential per 30 s).'),
  })
  .superRefine((q, ctx) => {
    if (q.credentialFor === 'user' && q.userId === undefined)
      ctx.addIssue({ code: 'custom', path: ['userId'], message: 'required when credentialFor is user' });
    if (q.credentialFor === 'installation' && q.userId !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['userId'],
        message: 'does not apply to credentialFor installation (an installation is the whole tenant)',
      });
  });
export type GetCredentialQuery = z.infer<typeof getCredentialQuerySchema>;

/** The account a user credential belongs to. */
export const accountSchema = z.object({
  oid: z.string().describe("The user's object id in their directory."),
  tid: z.string().describe("The user's directory (tenant GUID)."),
  upn: z.string().nullable(),
});

/** The answer of GET /v1/credentials/:provider. Holds the access token: never log it. */
export const servedCredentialSchema = z.object({
  credential: z.string().describe('The access token: send it as `Authorization: Bearer <credential>` to Graph.'),
  tokenType: z.literal('Bearer'),
  expiresAt: isoDateTime.describe('Never in the past; at least a minute ahead.'),
  scopes: z.array(z.string()),
  credentialId: z.string().describe('The installation or connection id.'),
  credentialFor: credentialForSchema,
  cloud: z.string().describe('The app cloud: global, usgov-l4, usgov-l5, china or custom.'),
  graphBaseUrl: z
    .string()
    .describe("Where to call Graph with it, e.g. https://graph.microsoft.com/v1.0 (the cloud's own)."),
  account: accountSchema.nullable().describe('User credentials: the signed-in account; null for installations.'),
  resource: z
    .object({
      kind: z.string(),
      driveId: z.string().nullable(),
      siteId: z.string().nullable(),
      webUrl: z.string().nullable(),
    })
    .nullable()
    .describe('Installations: the drive or site the installation is bound to; null for user credentials.'),
  status: z
    .enum(['active', 'degraded'])
    .describe('`degraded` while Microsoft fails transiently and the stored token is still valid.'),
});
export type ServedCredentialDto = z.infer<typeof servedCredentialSchema>;

/** What a blocked credential's refusal carries in `details`. */
export const credentialRefusalDetailsSchema = z.object({
  credentialId: z.string(),
  status: credentialStatusSchema,
  aadsts: z.number().int().nullable(),
  error: z.string().nullable(),
  action: z
    .object({
      type: z.enum(['reauthorize', 'reconsent', 'fix_app']),
      url: z.string().optional(),
      expiresAt: isoDateTime.optional(),
      appId: z.string().optional(),
    })
    .optional()
    .describe('What fixes it: a new connect session for the user or admin, or the app to fix.'),
});

/** Query of GET /v1/installations and GET /v1/connections. */
export const listCredentialsQuerySchema = z.strictObject({
  ...pageQueryFields,
  tenantId: tenantIdSchema.optional(),
  provider: providerIdSchema.optional(),
  status: credentialStatusSchema.optional(),
});
export type ListCredentialsQuery = z.infer<typeof listCredentialsQuerySchema>;

/** An installation as the API shows it: never a token. */
export const installationSchema = z.object({
  id: z.string(),
  tenantId: z.string(),
  provider: z.string(),
  appId: z.string(),
  directoryId: z.string().describe("The customer's Microsoft directory (tenant GUID)."),
  cloud: z.string(),
  resource: z
    .object({
      kind: z.string().describe('`user_drive`, `site` or `drive`.'),
      driveId: z.string().nullable(),
      siteId: z.string().nullable(),
      user: z.string().nullable(),
      webUrl: z.string().nullable(),
    })
    .nullable(),
  scopes: z.array(z.string()),
  consentedAt: isoDateTime,
  consentedBy: z.string().nullable(),
  status: credentialStatusSchema,
  statusDetail: statusDetailSchema,
  expiresAt: isoDateTime.nullable(),
  createdAt: isoDateTime,
  updatedAt: isoDateTime,
});
export type InstallationDto = z.infer<typeof installationSchema>;

/** A connection as the API shows it: never a token. */
export const connectionSchema = z.object({
  id: z.string(),
  tenantId: z.string(),
  provider: z.string(),
  appId: z.string(),
  installationId: z.string().nullable(),
  userId: z.string(),
  account: accountSchema,
  scopes: z.array(z.string()),
  status: credentialStatusSchema,
  statusDetail: statusDetailSchema,
  expiresAt: isoDateTime.nullable(),
  lastRefreshedAt: isoDateTime.nullable(),
  createdAt: isoDateTime,
  updatedAt: isoDateTime,
});
export type ConnectionDto = z.infer<typeof connectionSchema>;
