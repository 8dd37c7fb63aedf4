// msal-node keeps refresh tokens out of AuthenticationResult; they live only in its token cache.
// Each user-token call runs on a client with an empty cache, so after the call the serialized
// cache holds exactly the refresh token Microsoft just issued for that account.
import type { ConfidentialClientApplication } from '@azure/msal-node';
import { z } from 'zod';

// The subset of msal's serialized cache schema read here.
const serializedCacheSchema = z.object({
  RefreshToken: z
    .record(
      z.string(),
      z.looseObject({
        home_account_id: z.string(),
        client_id: z.string(),
        secret: z.string().min(1),
      }),
    )
    .default({}),
});

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
  const cache = serializedCacheSchema.parse(JSON.parse(client.getTokenCache().serialize()));
  const matches = Object.values(cache.RefreshToken).filter(
    (entry) => entry.home_account_id === homeAccountId && entry.client_id === clientId,
  );
  if (matches.length > 1) throw new AmbiguousRefreshTokenError();
  return matches[0]?.secret ?? null;
}
