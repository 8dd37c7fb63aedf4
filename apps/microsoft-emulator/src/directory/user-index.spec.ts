import { describe, expect, it } from 'vitest';
import type { DirectoryUser } from './directory.types';
import { UserIndex } from './user-index';

function user(id: string, tenantId: string, upn: string): DirectoryUser {
  return {
    id,
    tenantId,
    userPrincipalName: upn,
    displayName: upn,
    mail: upn,
    isAdmin: false,
    refreshTokensValidFrom: null,
    mfaRequired: false,
    mfaRegistered: true,
    accountEnabled: true,
  };
}

describe(UserIndex.name, () => {
  it('finds users by id, by UPN case-insensitively and by tenant', () => {
    const index = new UserIndex();
    index.add(user('u1', 't1', 'Adele@Contoso.com'));
    index.add(user('u2', 't2', 'diego@fabrikam.com'));
    expect(index.get('U1')?.userPrincipalName).toBe('Adele@Contoso.com');
    expect(index.byPrincipalName('adele@contoso.COM')?.id).toBe('u1');
    expect(index.ofTenant('t1').map((u) => u.id)).toEqual(['u1']);
    expect(index.countOfTenant('t2')).toBe(1);
  });

  it('replaces a user added again under the same id, dropping its old UPN and tenant entries', () => {
    const index = new UserIndex();
    index.add(user('u1', 't1', 'old@contoso.com'));
    index.add(user('u1', 't2', 'new@contoso.com'));
    expect(index.byPrincipalName('old@contoso.com')).toBeUndefined();
    expect(index.ofTenant('t1')).toEqual([]);
    expect(index.ofTenant('t2').map((u) => u.userPrincipalName)).toEqual(['new@contoso.com']);
  });
});
