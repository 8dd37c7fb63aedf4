import { describe, expect, it } from 'vitest';
import { FlowError } from './flow-error';
import { MICROSOFT_ONEDRIVE } from './microsoft-onedrive.provider';
import { ProvidersRegistry } from './providers.registry';

const registry = new ProvidersRegistry();

function thrown(fn: () => unknown): FlowError {
  try {
    fn();
  } catch (error) {
    if (error instanceof FlowError) return error;
    throw error;
  }
  throw new Error('expected a FlowError');
}

describe(ProvidersRegistry.name, () => {
  describe('get', () => {
    it('returns microsoft-onedrive with the scopes the issue lists and every cloud', () => {
      const provider = registry.get('microsoft-onedrive');
      expect(provider.userScopes.map((s) => s.name)).toEqual(
        expect.arrayContaining([
          'User.Read',
          'Files.Read',
          'Files.Read.All',
          'Files.ReadWrite',
          'Files.ReadWrite.All',
          'Sites.Read.All',
          'Sites.ReadWrite.All',
          'offline_access',
          'openid',
          'profile',
          'email',
        ]),
      );
      expect(provider.installationScopes.every((s) => s.kind === 'application')).toBe(true);
      expect(provider.clouds).toEqual(['global', 'usgov-l4', 'usgov-l5', 'china', 'custom']);
      expect(provider.userScopes.every((s) => s.description.length > 20)).toBe(true);
    });

    it('fails with provider_not_found listing the known ids for an unknown provider', () => {
      const error = thrown(() => registry.get('google-drive'));
      expect(error.status).toBe(404);
      expect(error.toBody()).toMatchObject({ code: 'provider_not_found', details: { known: ['microsoft-onedrive'] } });
    });
  });

  describe('normaliseScopes', () => {
    it('returns catalogue spelling without duplicates when scopes differ only in case', () => {
      expect(
        registry.normaliseScopes(MICROSOFT_ONEDRIVE, 'user', ['OFFLINE_ACCESS', 'user.read', 'User.Read']),
      ).toEqual(['offline_access', 'User.Read']);
    });

    it('refuses an unknown scope with invalid_scope, the unknown ones and the known list', () => {
      const error = thrown(() => registry.normaliseScopes(MICROSOFT_ONEDRIVE, 'user', ['User.Read', 'Mail.Read']));
      expect(error.toBody()).toMatchObject({ code: 'invalid_scope', details: { unknown: ['Mail.Read'] } });
      expect((error.toBody().details as { known: string[] }).known).toContain('Files.ReadWrite.All');
    });

    it('refuses a delegated-only scope as an installation scope', () => {
      const error = thrown(() => registry.normaliseScopes(MICROSOFT_ONEDRIVE, 'installation', ['offline_access']));
      expect(error.toBody().code).toBe('invalid_scope');
    });
  });

  describe('requireUserScopes', () => {
    it('refuses scopes without offline_access with scopes_missing_offline_access', () => {
      expect(thrown(() => registry.requireUserScopes(MICROSOFT_ONEDRIVE, ['User.Read'])).toBody().code).toBe(
        'scopes_missing_offline_access',
      );
    });

    it('refuses scopes without User.Read with scopes_missing_user_read', () => {
      expect(thrown(() => registry.requireUserScopes(MICROSOFT_ONEDRIVE, ['offline_access'])).toBody().code).toBe(
        'scopes_missing_user_read',
      );
    });

    it('accepts the default user scopes', () => {
      expect(() => registry.requireUserScopes(MICROSOFT_ONEDRIVE, MICROSOFT_ONEDRIVE.defaultUserScopes)).not.toThrow();
    });
  });
});
