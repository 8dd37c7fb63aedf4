import { Injectable } from '@nestjs/common';
import { FlowError } from './flow-error';
import { MICROSOFT_ONEDRIVE } from './microsoft-onedrive.provider';
import type { ProviderDefinition, ScopeDefinition } from './provider.types';

/** Every provider the vault knows, by id. Adding a provider means adding its definition here. */
export const PROVIDERS: readonly ProviderDefinition[] = [MICROSOFT_ONEDRIVE];

/** Which scope list of a provider a set of scopes is checked against. */
export type ScopeSet = 'user' | 'installation';

/**
 * Looks up providers and normalises scopes against their catalogues. Microsoft scope names are
 * case-insensitive, so input is matched case-insensitively and returned in catalogue spelling.
 */
@Injectable()
export class ProvidersRegistry {
  list(): readonly ProviderDefinition[] {
    return PROVIDERS;
  }

  /** @throws FlowError provider_not_found, listing the known provider ids. */
  get(id: string): ProviderDefinition {
    const provider = PROVIDERS.find((p) => p.id === id);
    if (!provider) {
      throw new FlowError('provider_not_found', `Unknown provider "${id}".`, {
        details: { known: PROVIDERS.map((p) => p.id) },
      });
    }
    return provider;
  }

  /**
   * Returns `scopes` in catalogue spelling, de-duplicated, in input order.
   *
   * @throws FlowError invalid_scope with `details.unknown` and `details.known`.
   */
  normaliseScopes(provider: ProviderDefinition, set: ScopeSet, scopes: readonly string[]): string[] {
    const catalogue = catalogueOf(provider, set);
    const byLower = new Map(catalogue.map((s) => [s.name.toLowerCase(), s.name]));
    const unknown = scopes.filter((s) => !byLower.has(s.toLowerCase()));
    if (unknown.length > 0) {
      throw FlowError.invalid(
        'invalid_scope',
        `Unknown ${set} scope(s) for ${provider.id}: ${unknown.join(', ')}.`,
        { unknown, known: catalogue.map((s) => s.name) },
        'Use only scopes from GET /v1/providers.',
      );
    }
    return [...new Set(scopes.map((s) => byLower.get(s.toLowerCase())!))];
  }

  /**
   * Checks that user scopes contain what every user flow needs, so a misconfigured app is
   * refused before any flow starts rather than failing at the first refresh.
   *
   * @throws FlowError scopes_missing_offline_access or scopes_missing_user_read.
   */
  requireUserScopes(provider: ProviderDefinition, scopes: readonly string[]): void {
    const present = new Set(scopes.map((s) => s.toLowerCase()));
    if (!present.has('offline_access')) {
      throw FlowError.invalid(
        'scopes_missing_offline_access',
        'User scopes must include offline_access; without it Microsoft issues no refresh token and connections die within an hour.',
        { required: provider.requiredUserScopes },
        'Add offline_access to userScopes.',
      );
    }
    if (!present.has('user.read')) {
      throw FlowError.invalid(
        'scopes_missing_user_read',
        'User scopes must include User.Read; Authpipe reads the signed-in account with it.',
        { required: provider.requiredUserScopes },
        'Add User.Read to userScopes.',
      );
    }
  }
}

function catalogueOf(provider: ProviderDefinition, set: ScopeSet): readonly ScopeDefinition[] {
  return set === 'user' ? provider.userScopes : provider.installationScopes;
}
