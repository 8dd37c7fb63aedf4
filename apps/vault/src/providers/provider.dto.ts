import type { ProviderDefinition, ScopeDefinition } from './provider.types';

/** A scope as GET /v1/providers shows it. */
export interface ScopeDto {
  name: string;
  description: string;
  adminConsentRequired: boolean;
  /** Every app of the provider must include it (user scopes only). */
  required: boolean;
}

/** A provider as GET /v1/providers shows it. */
export interface ProviderDto {
  id: string;
  name: string;
  description: string;
  clouds: string[];
  userAuthorities: string[];
  userScopes: ScopeDto[];
  installationScopes: ScopeDto[];
  defaultUserScopes: string[];
  defaultInstallationScopes: string[];
}

const toScopeDto = (scope: ScopeDefinition, required: readonly string[]): ScopeDto => ({
  name: scope.name,
  description: scope.description,
  adminConsentRequired: scope.adminConsentRequired,
  required: required.includes(scope.name),
});

/** Maps a provider definition to its public shape, field by field. */
export function toProviderDto(provider: ProviderDefinition): ProviderDto {
  return {
    id: provider.id,
    name: provider.name,
    description: provider.description,
    clouds: [...provider.clouds],
    userAuthorities: [...provider.userAuthorities],
    userScopes: provider.userScopes.map((s) => toScopeDto(s, provider.requiredUserScopes)),
    installationScopes: provider.installationScopes.map((s) => toScopeDto(s, [])),
    defaultUserScopes: [...provider.defaultUserScopes],
    defaultInstallationScopes: [...provider.defaultInstallationScopes],
  };
}
