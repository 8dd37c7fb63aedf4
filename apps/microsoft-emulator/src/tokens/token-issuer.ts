import { createHash, randomBytes } from 'node:crypto';
import { CLOUDS, graphResource } from '../directory/clouds';
import type { EmulatorClock } from '../directory/contracts';
import {
  ROLE_TEMPLATES,
  type AppRegistration,
  type CloudName,
  type DirectoryTenant,
  type DirectoryUser,
} from '../directory/directory.types';
import type { SigningKeys } from '../keys/signing-keys';
import type { DelegatedGrant } from './grant-stores';

/** Access token lifetime; Microsoft's default is 60–90 minutes, the emulator uses the low end. */
export const ACCESS_TOKEN_LIFETIME_SECONDS = 3599;

/** The success body of the token endpoint. https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow#successful-response-2 */
export interface TokenResponse {
  token_type: 'Bearer';
  scope: string;
  expires_in: number;
  ext_expires_in: number;
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  client_info?: string;
}

export interface DelegatedIssue {
  grant: DelegatedGrant;
  tenant: DirectoryTenant;
  user: DirectoryUser;
  app: AppRegistration;
  /** `https://login.microsoftonline.com` or the emulator's own origin: the id_token issuer's base. */
  loginBase: string;
  nonce: string | null;
  refreshToken: string | null;
  /** '1' secret, '2' certificate: how the client authenticated. */
  appidacr: '1' | '2';
}

/**
 * Mints the emulator's JWTs. Access tokens for Graph are v1.0 tokens issued by the cloud's STS
 * (as real Graph tokens are); id_tokens are v2.0 tokens issued at the client's own authority.
 * https://learn.microsoft.com/en-us/entra/identity-platform/access-token-claims-reference
 * https://learn.microsoft.com/en-us/entra/identity-platform/id-token-claims-reference
 */
export class TokenIssuer {
  constructor(
    private readonly keys: SigningKeys,
    private readonly clock: EmulatorClock,
  ) {}

  async delegated(issue: DelegatedIssue): Promise<TokenResponse> {
    const { grant, tenant, user, app } = issue;
    const iat = Math.floor(this.clock.now().getTime() / 1000);
    const exp = iat + ACCESS_TOKEN_LIFETIME_SECONDS;
    const permissions = grant.resourceScopes.map((s) => s.replace(/^https?:\/\/[^/]+\//i, ''));
    const scp = permissions.includes('.default')
      ? app.delegatedPermissions.filter((p) => !/^(openid|profile|email|offline_access)$/i.test(p))
      : permissions;
    const accessToken = await this.keys.sign({
      aud: graphResource(grant.graphCloud),
      iss: stsIssuer(grant.graphCloud, tenant.id),
      iat,
      nbf: iat,
      exp,
      appid: app.clientId,
      appidacr: issue.appidacr,
      idtyp: 'user',
      name: user.displayName,
      oid: user.id,
      scp: [...scp, ...grant.oidcScopes.filter((s) => s !== 'offline_access')].join(' '),
      sub: pairwiseSubject(user.id, app.clientId),
      tid: tenant.id,
      unique_name: user.userPrincipalName,
      upn: user.userPrincipalName,
      uti: randomBytes(16).toString('base64url'),
      ver: '1.0',
      ...(grant.mfa ? { amr: ['pwd', 'mfa'] } : { amr: ['pwd'] }),
      ...directoryRoles(app, user),
    });
    const idToken = grant.oidcScopes.includes('openid')
      ? await this.keys.sign({
          aud: app.clientId,
          iss: `${issue.loginBase}/${tenant.id}/v2.0`,
          iat,
          nbf: iat,
          exp,
          name: user.displayName,
          oid: user.id,
          preferred_username: user.userPrincipalName,
          sub: pairwiseSubject(user.id, app.clientId),
          tid: tenant.id,
          ver: '2.0',
          ...(grant.oidcScopes.includes('email') && user.mail ? { email: user.mail } : {}),
          ...directoryRoles(app, user),
          ...(issue.nonce ? { nonce: issue.nonce } : {}),
        })
      : undefined;
    return {
      token_type: 'Bearer',
      scope: [...grant.resourceScopes, ...grant.oidcScopes].join(' '),
      expires_in: ACCESS_TOKEN_LIFETIME_SECONDS,
      ext_expires_in: ACCESS_TOKEN_LIFETIME_SECONDS,
      access_token: accessToken,
      ...(issue.refreshToken ? { refresh_token: issue.refreshToken } : {}),
      ...(idToken ? { id_token: idToken } : {}),
      client_info: clientInfo(user.id, tenant.id),
    };
  }

  /** An app-only token for Graph of `graphCloud` with the roles admin consent granted. */
  async appOnly(
    tenant: DirectoryTenant,
    app: AppRegistration,
    roles: string[],
    graphCloud: CloudName,
    appidacr: '1' | '2',
  ): Promise<TokenResponse> {
    const iat = Math.floor(this.clock.now().getTime() / 1000);
    const exp = iat + ACCESS_TOKEN_LIFETIME_SECONDS;
    // The app's service principal in the tenant: a stable id per (tenant, app).
    const servicePrincipalId = guidFrom(`${tenant.id}|${app.clientId}`);
    const accessToken = await this.keys.sign({
      aud: graphResource(graphCloud),
      iss: stsIssuer(graphCloud, tenant.id),
      iat,
      nbf: iat,
      exp,
      appid: app.clientId,
      appidacr,
      idtyp: 'app',
      oid: servicePrincipalId,
      sub: servicePrincipalId,
      tid: tenant.id,
      ...(roles.length > 0 ? { roles } : {}),
      uti: randomBytes(16).toString('base64url'),
      ver: '1.0',
    });
    return {
      token_type: 'Bearer',
      scope: `${graphResource(graphCloud)}/.default`,
      expires_in: ACCESS_TOKEN_LIFETIME_SECONDS,
      ext_expires_in: ACCESS_TOKEN_LIFETIME_SECONDS,
      access_token: accessToken,
    };
  }
}

/**
 * `wids`: the user's directory role templates, only for apps whose manifest asks for them
 * (`groupMembershipClaims` DirectoryRole or All).
 * https://learn.microsoft.com/en-us/entra/identity-platform/access-token-claims-reference#payload-claims
 */
function directoryRoles(app: AppRegistration, user: DirectoryUser): { wids?: string[] } {
  if (app.groupMembershipClaims !== 'DirectoryRole' && app.groupMembershipClaims !== 'All') return {};
  const wids: string[] = [ROLE_TEMPLATES.user];
  if (user.isAdmin) wids.unshift(ROLE_TEMPLATES.globalAdministrator);
  return { wids };
}

/** `iss` of v1.0 access tokens: `https://sts.windows.net/{tid}/` in the global cloud. */
export function stsIssuer(cloud: CloudName, tenantId: string): string {
  return `https://${CLOUDS[cloud].stsHost}/${tenantId}/`;
}

/** `client_info`: base64url JSON of the account's uid and utid, which msal keys accounts by. */
export function clientInfo(userId: string, tenantId: string): string {
  return Buffer.from(JSON.stringify({ uid: userId, utid: tenantId })).toString('base64url');
}

/** `sub` is pairwise: the same user has a different subject for each app. */
function pairwiseSubject(userId: string, clientId: string): string {
  return createHash('sha256').update(`${userId}|${clientId}`).digest('base64url').slice(0, 43);
}

function guidFrom(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
