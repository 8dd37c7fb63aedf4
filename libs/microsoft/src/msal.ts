// The OAuth flows Authpipe runs through msal-node: authorization code with PKCE, refresh with the
// rotated refresh token read back, client credentials, and the admin-consent URL.
// https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow
// https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow
import type { AuthenticationResult, ConfidentialClientApplication } from '@azure/msal-node';
import { z } from 'zod';
import { resolveCloud } from './clouds';
import { classifyOAuthError, MicrosoftError, toMicrosoftError } from './errors';
import { tenantSchema, type MicrosoftApp, type MsalClientFactory } from './msal-client';
import { withNetworkOutcome } from './msal-network';
import { refreshTokenFromCache } from './token-cache';

const scopesSchema = z.array(z.string().min(1).regex(/^\S+$/)).min(1);
const base64url43 = z.string().regex(/^[A-Za-z0-9_-]{43,128}$/);

const authCodeUrlSchema = z.object({
  redirectUri: z.url(),
  scopes: scopesSchema,
  state: z.string().min(16),
  codeChallenge: base64url43,
  nonce: z.string().min(16),
  loginHint: z.string().min(1).optional(),
  prompt: z.enum(['login', 'select_account', 'consent', 'none']).optional(),
  /** The `claims` of a claims challenge the sign-in must satisfy (msal merges the `cp1` capability in). */
  claims: z.string().min(1).max(4000).optional(),
});

const redeemSchema = z.object({
  redirectUri: z.url(),
  scopes: scopesSchema,
  code: z.string().min(1),
  codeVerifier: base64url43,
  nonce: z.string().min(1).optional(),
});

const refreshSchema = z.object({ refreshToken: z.string().min(1), scopes: scopesSchema });

const adminConsentSchema = z.object({
  tenant: tenantSchema.refine(
    (t) => t !== 'common' && t !== 'consumers',
    'admin consent needs a directory or organizations, never common or consumers',
  ),
  redirectUri: z.url(),
  state: z.string().min(16),
  scope: z.string().min(1),
});

// Claims read from the id_token msal already decoded; msal checked its signature-free shape only.
const idTokenClaimsSchema = z.looseObject({
  oid: z.string().optional(),
  tid: z.string().optional(),
  preferred_username: z.string().optional(),
  upn: z.string().optional(),
});

/** Who signed in. */
export interface MicrosoftAccount {
  /** Object id of the user in its directory. */
  oid: string;
  /** Directory (tenant) id. */
  tid: string;
  /** preferred_username (a UPN or e-mail). */
  upn: string;
  /** msal's `<oid>.<tid>`. */
  homeAccountId: string;
}

/** A delegated token set. `refreshToken` and `accessToken` are secrets. */
export interface UserTokens {
  accessToken: string;
  expiresOn: Date;
  /**
   * How long the access token lives from now (`expires_in`). msal-node dates `expiresOn` by the
   * process's real clock; a caller on another clock (the vault's injected one) dates it by this.
   */
  expiresInMs: number;
  scopes: string[];
  idToken: string | null;
  idTokenClaims: Record<string, unknown> | null;
  account: MicrosoftAccount;
  /** The refresh token Microsoft issued in this call; null only when it sent none (no offline_access). */
  refreshToken: string | null;
}

/** An app-only token. */
export interface AppToken {
  accessToken: string;
  expiresOn: Date;
  /** How long the access token lives from now (see {@link UserTokens.expiresInMs}). */
  expiresInMs: number;
  scopes: string[];
  tenantId: string;
  fromCache: boolean;
}

interface AppAndAuthority {
  app: MicrosoftApp;
  /** The tenant segment of the authority: common, organizations, consumers, a directory GUID or domain. */
  authority: string;
}

/** The library's OAuth flows over msal-node; every failure is thrown as a classified `MicrosoftError`. */
export class MicrosoftAuth {
  constructor(private readonly clients: MsalClientFactory) {}

  /** The authorize URL for the code flow with PKCE S256, state and nonce. */
  async buildAuthCodeUrl(params: AppAndAuthority & z.input<typeof authCodeUrlSchema>): Promise<string> {
    const p = authCodeUrlSchema.parse(params);
    const client = await this.clients.userClient(params.app, params.authority);
    return this.call(() =>
      client.getAuthCodeUrl({
        redirectUri: p.redirectUri,
        scopes: p.scopes,
        state: p.state,
        nonce: p.nonce,
        codeChallenge: p.codeChallenge,
        codeChallengeMethod: 'S256',
        loginHint: p.loginHint,
        prompt: p.prompt,
        claims: p.claims,
        responseMode: 'query',
      }),
    );
  }

  /** Redeems an authorization code with its PKCE verifier; returns the tokens and the refresh token. */
  async redeemCode(params: AppAndAuthority & z.input<typeof redeemSchema>): Promise<UserTokens> {
    const p = redeemSchema.parse(params);
    const client = await this.clients.userClient(params.app, params.authority);
    const result = await this.call(() =>
      client.acquireTokenByCode({
        code: p.code,
        codeVerifier: p.codeVerifier,
        redirectUri: p.redirectUri,
        scopes: p.scopes,
        nonce: p.nonce,
      }),
    );
    return userTokens(client, params.app, result);
  }

  /** Redeems a refresh token; returns new tokens with the rotated refresh token (or the given one if Microsoft sent none). */
  async refresh(
    params: AppAndAuthority & z.input<typeof refreshSchema>,
  ): Promise<UserTokens & { refreshToken: string; rotated: boolean }> {
    const p = refreshSchema.parse(params);
    const client = await this.clients.userClient(params.app, params.authority);
    // forceCache: msal only stores a refresh-token response for an account already in its cache,
    // and this client's cache starts empty.
    const result = await this.call(() =>
      client.acquireTokenByRefreshToken({ refreshToken: p.refreshToken, scopes: p.scopes, forceCache: true }),
    );
    if (!result) throw new MicrosoftError(classifyOAuthError({ error: 'server_error' }));
    const tokens = userTokens(client, params.app, result);
    return { ...tokens, refreshToken: tokens.refreshToken ?? p.refreshToken, rotated: tokens.refreshToken !== null };
  }

  /** An app-only token for one directory by client credentials (secret or certificate). */
  async acquireAppToken(params: {
    app: MicrosoftApp;
    tenantId: string;
    scopes: string[];
    skipCache?: boolean;
    /**
     * A client of its own for this call (no token cache, no throttling state carried over from
     * earlier calls): for callers that keep their own backoff on their own clock.
     */
    fresh?: boolean;
  }): Promise<AppToken> {
    const tenant = tenantSchema.parse(params.tenantId);
    if (tenant === 'common' || tenant === 'organizations' || tenant === 'consumers') {
      throw new MicrosoftError(classifyOAuthError({ error: 'missing_tenant_id_error' }));
    }
    const scopes = scopesSchema.parse(params.scopes);
    const client = params.fresh
      ? await this.clients.freshAppClient(params.app, tenant)
      : this.clients.appClient(params.app, tenant);
    const result = await this.call(() =>
      client.acquireTokenByClientCredential({ scopes, skipCache: params.skipCache ?? false }),
    );
    if (!result) throw new MicrosoftError(classifyOAuthError({ error: 'server_error' }));
    const expiresOn = requireExpiry(result);
    return {
      accessToken: result.accessToken,
      expiresOn,
      expiresInMs: lifetimeOf(expiresOn),
      scopes: result.scopes,
      tenantId: result.tenantId || tenant,
      fromCache: result.fromCache,
    };
  }

  /**
   * The admin-consent URL (`/{tenant}/v2.0/adminconsent`). `tenant` is a directory GUID, a domain
   * or `organizations`; `common` and `consumers` are refused. `scope` is usually the cloud's
   * Graph `.default` scope.
   * https://learn.microsoft.com/en-us/entra/identity-platform/v2-admin-consent
   */
  adminConsentUrl(params: {
    app: MicrosoftApp;
    tenant: string;
    redirectUri: string;
    state: string;
    scope: string;
  }): string {
    const p = adminConsentSchema.parse(params);
    const url = new URL(`${resolveCloud(params.app.cloud).loginUrl}/${p.tenant}/v2.0/adminconsent`);
    url.searchParams.set('client_id', params.app.clientId);
    url.searchParams.set('scope', p.scope);
    url.searchParams.set('redirect_uri', p.redirectUri);
    url.searchParams.set('state', p.state);
    return url.toString();
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    const { outcome, result, error } = await withNetworkOutcome(fn);
    if (error !== undefined) throw toMicrosoftError(error, { outcome, now: this.clients.now() });
    return result as T;
  }
}

/** Milliseconds from now to an msal-node expiry (both on the process's real clock). */
function lifetimeOf(expiresOn: Date): number {
  return Math.max(0, expiresOn.getTime() - Date.now());
}

function requireExpiry(result: AuthenticationResult): Date {
  if (!result.expiresOn) throw new MicrosoftError(classifyOAuthError({ error: 'server_error' }));
  return result.expiresOn;
}

function userTokens(
  client: ConfidentialClientApplication,
  app: MicrosoftApp,
  result: AuthenticationResult,
): UserTokens {
  if (!result.account) throw new MicrosoftError(classifyOAuthError({ error: 'server_error' }));
  const claims = idTokenClaimsSchema.parse(result.idTokenClaims ?? {});
  const account: MicrosoftAccount = {
    oid: claims.oid ?? result.account.localAccountId,
    tid: claims.tid ?? result.account.tenantId,
    upn: claims.preferred_username ?? claims.upn ?? result.account.username,
    homeAccountId: result.account.homeAccountId,
  };
  const expiresOn = requireExpiry(result);
  return {
    accessToken: result.accessToken,
    expiresOn,
    expiresInMs: lifetimeOf(expiresOn),
    scopes: result.scopes,
    idToken: result.idToken || null,
    idTokenClaims: result.idToken ? claims : null,
    account,
    refreshToken: refreshTokenFromCache(client, account.homeAccountId, app.clientId),
  };
}
