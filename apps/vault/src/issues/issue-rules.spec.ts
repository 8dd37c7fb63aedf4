import { describe, expect, it } from 'vitest';
import { issueEffectOf } from './issue-rules';

describe(issueEffectOf.name, () => {
  it.each(['needs_reauth', 'revoked', 'access_lost', 'degraded'])(
    'opens a %s issue on a status change to it, superseding the other credential problems',
    (to) => {
      const effect = issueEffectOf('credential.status_changed', { to });
      expect(effect).toMatchObject({ action: 'open', kind: to });
      expect(effect.action === 'open' && effect.supersedes).not.toContain(to);
    },
  );

  it('opens nothing for a credential flagged by its app: the app issue stands for all of them', () => {
    expect(issueEffectOf('credential.status_changed', { to: 'misconfigured' })).toEqual({ action: 'none' });
    expect(issueEffectOf('app.misconfigured', { appId: 'app_1' })).toEqual({
      action: 'open',
      kind: 'app_misconfigured',
    });
  });

  it.each([
    ['credential.status_changed', { to: 'active' }, 'recovered'],
    ['credential.recovered', {}, 'recovered'],
    ['connection.reauthorized', {}, 'recovered'],
    ['installation.reauthorized', {}, 'recovered'],
    ['connection.deleted', {}, 'deleted'],
    ['app.deleted', {}, 'deleted'],
  ] as const)('resolves on %s', (type, payload, resolution) => {
    expect(issueEffectOf(type, payload)).toMatchObject({ action: 'resolve', resolution });
  });

  it('resolves an app misconfiguration only on a passing check, and credential expiry only when the credential changes', () => {
    expect(issueEffectOf('app.checked', { ok: false })).toEqual({ action: 'none' });
    expect(issueEffectOf('app.checked', { ok: true })).toMatchObject({ kinds: ['app_misconfigured'] });
    expect(issueEffectOf('app.updated', { fields: ['scopes'] })).toEqual({ action: 'none' });
    expect(issueEffectOf('app.updated', { fields: ['credential', 'scopes'] })).toMatchObject({
      action: 'resolve',
      kinds: ['app_credential_expiring', 'app_credential_expired'],
    });
  });
});
