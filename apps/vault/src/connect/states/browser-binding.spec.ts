import { describe, expect, it } from 'vitest';
import { bindingCookie, clearBindingCookie, hashBinding, newBindingValue, readBinding } from './browser-binding';
import { grantedScopes, requestScopes } from '../../microsoft/scopes';
import { cryptoRandom } from '../../common/random';

describe(readBinding.name, () => {
  it('reads the binding among other cookies and refuses malformed values', () => {
    const value = newBindingValue(cryptoRandom);
    expect(readBinding(`a=1; authpipe_flow=${value}; b=2`)).toBe(value);
    expect(readBinding('authpipe_flow=short')).toBeNull();
    expect(readBinding(undefined)).toBeNull();
    expect(hashBinding(value)).toHaveLength(32);
  });

  it('sets an HttpOnly, SameSite=Lax cookie scoped to /oauth, Secure only over https', () => {
    expect(bindingCookie('v', true, 600)).toBe(
      'authpipe_flow=v; Path=/oauth; Max-Age=600; HttpOnly; SameSite=Lax; Secure',
    );
    expect(bindingCookie('v', false, 600)).not.toContain('Secure');
    expect(clearBindingCookie(false)).toContain('Max-Age=0');
  });
});

describe(requestScopes.name, () => {
  it("prefixes Graph permissions with a national cloud's resource but not the OpenID scopes", () => {
    expect(requestScopes({ name: 'usgov-l4' }, ['offline_access', 'User.Read'])).toEqual([
      'offline_access',
      'https://graph.microsoft.us/User.Read',
    ]);
    expect(requestScopes({ name: 'global' }, ['offline_access', 'User.Read'])).toEqual(['offline_access', 'User.Read']);
    expect(grantedScopes({ name: 'usgov-l4' }, ['https://graph.microsoft.us/User.Read', 'openid'])).toEqual([
      'User.Read',
      'openid',
    ]);
  });
});
