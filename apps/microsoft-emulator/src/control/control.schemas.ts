import { z } from 'zod';

const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);

export const newTenantSchema = z.object({
  id: guid.optional(),
  displayName: z.string().min(1),
  domains: z.array(z.string().min(3)).min(1),
  cloud: z.enum(['global', 'usgov-l4', 'usgov-l5', 'china']).default('global'),
});

export const newUserSchema = z.object({
  id: guid.optional(),
  tenantId: guid,
  userPrincipalName: z.string().includes('@'),
  displayName: z.string().min(1),
  isAdmin: z.boolean().optional(),
});

export const userPatchSchema = z.object({
  mfaRequired: z.boolean().optional(),
  /** false: the user has no MFA method, so an MFA requirement becomes AADSTS50079 (enroll first). */
  mfaRegistered: z.boolean().optional(),
  accountEnabled: z.boolean().optional(),
  isAdmin: z.boolean().optional(),
});

export const newAppSchema = z.object({
  clientId: guid.optional(),
  displayName: z.string().min(1),
  homeTenantId: guid,
  signInAudience: z.enum(['AzureADMyOrg', 'AzureADMultipleOrgs', 'AzureADandPersonalMicrosoftAccount']),
  redirectUris: z.array(z.url()).default([]),
  delegatedPermissions: z.array(z.string()).optional(),
  applicationPermissions: z.array(z.string()).optional(),
  groupMembershipClaims: z.enum(['None', 'SecurityGroup', 'DirectoryRole', 'All']).optional(),
});

export const newSecretSchema = z.object({
  expiresInSeconds: z
    .number()
    .int()
    .min(1)
    .default(365 * 24 * 3600),
});

export const newCertificateSchema = z.object({ certificatePem: z.string().includes('BEGIN CERTIFICATE') });

export const adminConsentSchema = z.object({
  tenantId: guid,
  clientId: guid,
  roles: z.array(z.string()).default([]),
  scopes: z.array(z.string()).default([]),
});

export const advanceClockSchema = z.object({
  seconds: z
    .number()
    .min(0)
    .max(10 * 365 * 24 * 3600),
});

/** The tenant's user consent setting (false: "Do not allow user consent", AADSTS90094 for non-admins). */
export const tenantPatchSchema = z.object({ usersCanConsent: z.boolean().optional() });

export const conditionalAccessPolicySchema = z.object({
  tenantId: guid,
  /** `all` (the default) or the object ids of the users the policy is assigned to. */
  users: z.union([z.literal('all'), z.array(guid).min(1)]).default('all'),
  control: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('block') }),
    z.object({
      kind: z.literal('signInFrequency'),
      seconds: z
        .number()
        .int()
        .min(1)
        .max(365 * 24 * 3600),
    }),
    z.object({ kind: z.literal('claimsChallenge') }),
  ]),
});

export const rotationSchema = z.object({ mode: z.enum(['microsoft', 'strict']) });

export const bulkUsersSchema = z.object({
  tenantId: guid,
  count: z.number().int().min(1).max(200_000),
  upnPrefix: z
    .string()
    .regex(/^[a-z0-9._-]{1,40}$/i)
    .default('bench-user-'),
  grant: z
    .object({
      clientId: guid,
      scopes: z.array(z.string().min(1)).min(1),
      refreshTokens: z.boolean().default(true),
    })
    .optional(),
});
