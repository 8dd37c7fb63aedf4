import { z } from 'zod';
import { tenantIdSchema } from '../../tenants/tenant.dto';

const userIdSchema = z.string().min(1).max(200);

/** What an installation binds to; resolved and checked against Graph by the admin-consent flow. */
export const resourceSchema = z.discriminatedUnion('kind', [
  /** The OneDrive of one user of the organisation, by UPN or object id. */
  z.object({ kind: z.literal('user_drive'), user: z.string().min(1).max(320) }),
  /** A SharePoint site by its URL (its default document library). */
  z.object({ kind: z.literal('site'), url: z.url({ protocol: /^https$/ }).max(2000) }),
  /** A drive by its Graph id. */
  z.object({ kind: z.literal('drive'), driveId: z.string().min(1).max(500) }),
]);
export type ResourceSpec = z.infer<typeof resourceSchema>;

/** Longest life of a connect session (the issue's bound) and the default. */
export const MAX_SESSION_SECONDS = 30 * 60;
export const DEFAULT_SESSION_SECONDS = 15 * 60;

/** Body of POST /v1/connect-sessions. */
export const createConnectSessionSchema = z
  .object({
    tenantId: tenantIdSchema,
    userId: userIdSchema.optional(),
    credentialFor: z.enum(['installation', 'user']),
    provider: z.string().min(1).max(100),
    appId: z.string().min(1).max(100).optional(),
    returnTo: z.string().max(2000).optional(),
    mode: z.enum(['popup', 'redirect']).default('popup'),
    resource: resourceSchema.optional(),
    expiresInSeconds: z.number().int().min(60).max(MAX_SESSION_SECONDS).default(DEFAULT_SESSION_SECONDS),
    /**
     * Re-authorizing a user's existing connection with another Microsoft account (another oid) is
     * refused (account_mismatch) unless this is true.
     */
    allowAccountChange: z.boolean().default(false),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.credentialFor === 'user' && v.userId === undefined) {
      ctx.addIssue({ code: 'custom', path: ['userId'], message: 'required when credentialFor is user' });
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
export interface ConnectSessionCreatedDto {
  id: string;
  token: string;
  url: string;
  expiresAt: string;
}
