import { ConfidentialClientApplication } from '@azure/msal-node';
import { describe, expect, it } from 'vitest';
import { AmbiguousRefreshTokenError, refreshTokenFromCache } from './token-cache';

const clientId = 'de30a000-0000-4000-8000-00000000a991';
const home = 'oid-1.tid-1';

// A cache in msal's serialized schema, loaded into a real client the way msal loads a persisted one.
function clientWith(refreshTokens: { home: string; client: string; secret: string; target?: string }[]) {
  const client = new ConfidentialClientApplication({
    auth: { clientId, clientSecret: 'unit-test-secret', authority: 'https://login.microsoftonline.com/organizations' },
  });
  const entries = refreshTokens.map((t, i) => [
    `${t.home}-login.microsoftonline.com-refreshtoken-${t.client}--${t.target ?? ''}${i}`,
    {
      home_account_id: t.home,
      environment: 'login.microsoftonline.com',
      credential_type: 'RefreshToken',
      client_id: t.client,
      secret: t.secret,
    },
  ]);
  client.getTokenCache().deserialize(
    JSON.stringify({
      Account: {},
      IdToken: {},
      AccessToken: {
        [`${home}-login.microsoftonline.com-accesstoken-${clientId}-tid-1-user.read`]: {
          home_account_id: home,
          environment: 'login.microsoftonline.com',
          credential_type: 'AccessToken',
          client_id: clientId,
          secret: 'an-access-token',
          realm: 'tid-1',
          target: 'user.read',
          cached_at: '1',
          expires_on: '2',
        },
      },
      RefreshToken: Object.fromEntries(entries),
      AppMetadata: {},
    }),
  );
  return client;
}

describe(refreshTokenFromCache.name, () => {
  it("returns the account's refresh token for the app, never another token's secret", () => {
    const client = clientWith([
      { home, client: clientId, secret: 'the-refresh-token' },
      { home: 'oid-2.tid-1', client: clientId, secret: 'another-account' },
      { home, client: 'another-app', secret: 'another-app-token' },
    ]);
    expect(refreshTokenFromCache(client, home, clientId)).toBe('the-refresh-token');
  });

  it('returns null when the cache holds no refresh token for the account', () => {
    expect(refreshTokenFromCache(clientWith([]), home, clientId)).toBeNull();
    const other = clientWith([{ home: 'oid-2.tid-1', client: clientId, secret: 'another-account' }]);
    expect(refreshTokenFromCache(other, home, clientId)).toBeNull();
  });

  it('refuses a cache with two refresh tokens for the account', () => {
    const client = clientWith([
      { home, client: clientId, secret: 'one', target: 'a' },
      { home, client: clientId, secret: 'two', target: 'b' },
    ]);
    expect(() => refreshTokenFromCache(client, home, clientId)).toThrow(AmbiguousRefreshTokenError);
  });
});
