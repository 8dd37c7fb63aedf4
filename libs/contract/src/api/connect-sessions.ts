import { z } from 'zod';
import {
  credentialForSchema,
  isoDateTime,
  providerIdSchema,
  recordIdSchema,
  tenantIdSchema,
  userIdSchema,
} from './common';

/** What an installation binds to; resolved and checked against Graph by the admin-consent flow. */
export const resourceSchema = z.discriminatedUnion('kind', [
  z
    .strictObject({ kind: z.literal('user_drive'), user: z.string().min(1).max(320) })
    .describe('The OneDrive of one user of the organisation, by UPN or object id.'),
  z
    .strictObject({ kind: z.literal('site'), url: z.url({ protocol: /^https$/ }).max(2000) })
    .describe('A SharePoint site by its URL (its default document library).'),
  z
    .strictObject({ kind: z.literal('drive'), driveId: z.string().min(1).max(500) })
    .describe('A drive by its Graph id.'),
]);
export type ResourceSpec = z.infer<typeof resourceSchema>;

/** Longest life of a connect session and the default. */
export const MAX_SESSION_SECONDS = 30 * 60;
export const DEFAULT_SESSION_SECONDS = 15 * 60;

/** Body of POST /v1/connect-sessions. */
export const createConnectSessionSchema = z
  .strictObject({
    tenantId: tenantIdSchema,
    userId: userIdSchema.optional().describe('Required with credentialFor user; refused with installation.'),
    credentialFor: credentialForSchema,
    provider: providerIdSchema,
    appId: recordIdSchema.optional().describe('Which app, when the project has several for the provider.'),
    returnTo: z
      .string()
      .max(2000)
      .optional()
      .describe("Where redirect mode sends the browser back; under one of the app's allowed origins."),
    mode: z
      .enum(['popup', 'redirect'])
      .default('popup')
      .describe('popup: the last page posts its result to the opener; redirect: back to returnTo.'),
    resource: resourceSchema.optional().describe('Installations only: the drive or site the installation binds to.'),
    expiresInSeconds: z.number().int().min(60).max(MAX_SESSION_SECONDS).default(DEFAULT_SESSION_SECONDS),
    allowAccountChange: z
      .boolean()
      .default(false)
      .describe(
        'Users only: re-authorizing an existing connection with another Microsoft account (another oid) is refused (account_mismatch) unless this is true.',
      ),
  })
  .superRefine((v, ctx) => {
    if (v.credentialFor === 'user' && v.userId === undefined) {
      ctx.addIssue({ code: 'custom', path: ['userId'], message: 'required when credentialFor is user' });
    }
    if (v.credentialFor === 'installation' && v.userId !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['userId'],
        message: 'does not apply to credentialFor installation (an installation is the whole tenant)',
      });
    }
    if (v.credentialFor === 'user' && v.resource !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['resource'], message: 'only for credentialFor installation' });
    }
    if (v.credentialFor === 'installation' && v.allowAccountChange) {
      ctx.addIssue({ code: 'custom', path: ['allowAccountChange'], message: 'only for credentialFor user' });
    }
    if (v.mode === 'redirect' && v.returnTo === undefined) {
      ctx.addIssue({ code: 'custom', path: ['returnTo'], message: 'required in redirect mode' });
    }
  });
export type CreateConnectSessionInput = z.infer<typeof createConnectSessionSchema>;

/** Response of POST /v1/connect-sessions. The token is shown once; only its hash is stored. */
export const connectSessionCreatedSchema = z.object({
  id: z.string(),
  token: z.string().describe('Single use; the frontend opens `url`, which carries it.'),
  url: z.string().describe('Open it in a popup or redirect the browser to it.'),
  expiresAt: isoDateTime,
});
export type ConnectSessionCreatedDto = z.infer<typeof connectSessionCreatedSchema>;
