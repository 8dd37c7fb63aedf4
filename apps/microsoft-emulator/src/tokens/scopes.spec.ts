import { describe, expect, it } from 'vitest';
import { AadstsError } from '../identity/aadsts';
import { parseScopes } from './scopes';

describe('parseScopes', () => {
  it('splits OIDC scopes from Graph permissions and keeps the Graph of the login host', () => {
    expect(parseScopes('openid Files.Read offline_access', 'global')).toEqual({
      graphCloud: 'global',
      resourceScopes: ['Files.Read'],
      permissions: ['Files.Read'],
      oidcScopes: ['openid', 'offline_access'],
    });
  });

  it('picks US Government L5 from a dod-graph resource on the shared US Government login host', () => {
    expect(parseScopes('https://dod-graph.microsoft.us/.default', 'usgov-l4')).toMatchObject({
      graphCloud: 'usgov-l5',
      permissions: ['.default'],
    });
  });

  it('refuses a Graph resource of another cloud with AADSTS70011', () => {
    expect(() => parseScopes('https://graph.microsoft.us/.default', 'global')).toThrow(AadstsError);
  });
});
