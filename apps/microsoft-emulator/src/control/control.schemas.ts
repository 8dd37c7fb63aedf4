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
