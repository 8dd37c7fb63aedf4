import { z } from 'zod';

/** A scope as GET /v1/providers shows it. */
export const scopeSchema = z.object({
  name: z.string(),
  description: z.string(),
  adminConsentRequired: z.boolean(),
  required: z.boolean().describe('Every app of the provider must include it (user scopes only).'),
});
export type ScopeDto = z.infer<typeof scopeSchema>;

/** A provider as GET /v1/providers shows it. */
export const providerSchema = z.object({
  id: z.string().meta({ example: 'microsoft-onedrive' }),
  name: z.string(),
  description: z.string(),
  clouds: z.array(z.string()),
  userAuthorities: z.array(z.string()),
  userScopes: z.array(scopeSchema),
  installationScopes: z.array(scopeSchema),
  defaultUserScopes: z.array(z.string()),
  defaultInstallationScopes: z.array(z.string()),
});
export type ProviderDto = z.infer<typeof providerSchema>;
