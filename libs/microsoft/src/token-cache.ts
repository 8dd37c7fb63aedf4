// msal-node keeps refresh tokens out of AuthenticationResult; they live only in its token cache.
// Each user-token call runs on a client with an empty cache, so after the call the cache holds
// exactly the refresh token Microsoft just issued for that account.
import type { ConfidentialClientApplication } from '@azure/msal-node';
import { z } from 'zod';

// msal's in-memory form of a refresh token (its `RefreshTokenEntity`), the fields read here.
// The cache's key-value store is read as it is (TokenCache.getKVStore, public): serializing the
// whole cache to JSON and parsing it back, access and id tokens included, cost about 0.2 ms per
// refresh in the refresh benchmark's profile, to read one entry.
const refreshTokenEntitySchema = z.looseObject({
  homeAccountId: z.string(),
  clientId: z.string(),
  secret: z.string().min(1),
});

/** msal's `CredentialType.REFRESH_TOKEN`, which tells a refresh-token entry from the cache's others. */
const REFRESH_TOKEN = 'RefreshToken';

/** Thrown when the cache holds more than one refresh token for the account: the call was not isolated. */
export class AmbiguousRefreshTokenError extends Error {
  readonly code = 'ambiguous_refresh_token';

  constructor() {
    super('The token cache holds more than one refresh token for this account');
    this.name = 'AmbiguousRefreshTokenError';
  }
}

/** The refresh token the client's cache holds for the account, or null when Microsoft sent none. */
export function refreshTokenFromCache(
  client: ConfidentialClientApplication,
  homeAccountId: string,
  clientId: string,
): string | null {
  let found: string | null = null;
  for (const value of Object.values(client.getTokenCache().getKVStore())) {
    if (
      typeof value !== 'object' ||
      value === null ||
      (value as { credentialType?: unknown }).credentialType !== REFRESH_TOKEN
    )
      continue;
    const entry = refreshTokenEntitySchema.parse(value);
    if (entry.homeAccountId !== homeAccountId || entry.clientId !== clientId) continue;
    if (found !== null) throw new AmbiguousRefreshTokenError();
    found = entry.secret;
  }
  return found;
}
