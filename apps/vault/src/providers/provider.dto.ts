import type { ProviderDto, ScopeDto } from '@authpipe/contract';
import type { ProviderDefinition, ScopeDefinition } from './provider.types';

export type { ProviderDto, ScopeDto };

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
