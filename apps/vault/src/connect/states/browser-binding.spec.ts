import { describe, expect, it } from 'vitest';
import {
  bindingCookie,
  continueToken,
  hashBinding,
  isContinueToken,
  newBindingValue,
  readBinding,
} from './browser-binding';
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

  it('over https reads only the __Host- cookie (a plain-http or subdomain page cannot set it)', () => {
    const value = newBindingValue(cryptoRandom);
    expect(readBinding(`authpipe_flow=${value}`, true)).toBeNull();
    expect(readBinding(`__Host-authpipe_flow=${value}`, true)).toBe(value);
  });

  it('sets an HttpOnly, SameSite=Lax cookie on Path=/, __Host- and Secure only over https', () => {
    expect(bindingCookie('v', true, 600)).toBe(
      '__Host-authpipe_flow=v; Path=/; Max-Age=600; HttpOnly; SameSite=Lax; Secure',
    );
    expect(bindingCookie('v', false, 600)).toBe('authpipe_flow=v; Path=/; Max-Age=600; HttpOnly; SameSite=Lax');
  });
});

describe(continueToken.name, () => {
  it("is tied to both the browser's binding and the session", () => {
    const binding = newBindingValue(cryptoRandom);
    const other = newBindingValue(cryptoRandom);
    const token = continueToken(binding, 'cst_a');
    expect(isContinueToken(token, binding, 'cst_a')).toBe(true);
    expect(isContinueToken(token, other, 'cst_a')).toBe(false);
    expect(isContinueToken(token, binding, 'cst_b')).toBe(false);
    expect(isContinueToken(token, null, 'cst_a')).toBe(false);
    expect(isContinueToken(undefined, binding, 'cst_a')).toBe(false);
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
