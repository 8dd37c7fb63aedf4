import { createHash } from 'node:crypto';
import type { AppRegistration, DirectoryTenant, DirectoryUser } from '../directory/directory.types';
import type { InMemoryDirectoryStore } from '../directory/in-memory-directory.store';
import type { ControllableClock } from '../clock/controllable-clock';
import { consentedScopes, hasDelegatedConsent } from '../tokens/consent';
import type { AuthorizationCodeStore, DelegatedGrant, RefreshTokenStore } from '../tokens/grant-stores';
import { parseScopes } from '../tokens/scopes';
import type { TokenIssuer, TokenResponse } from '../tokens/token-issuer';
import { graphResource } from '../directory/clouds';
import { Aadsts } from './aadsts';
import { parseClaimsRequest } from './claims-request';
import type { ConditionalAccessPolicies } from './conditional-access';
import type { LoginOrigin, TenantSegment } from './login-origin';
import { checkTokenRequest } from './sign-in-policy';
import { required, type TokenRequest } from './token-request';

/** What every grant gets: the parsed request, the authenticated app and where it was sent. */
export interface GrantContext {
  request: TokenRequest;
  app: AppRegistration;
  appidacr: '1' | '2';
  origin: LoginOrigin;
  tenant: TenantSegment;
}

/**
 * The three grants the vault uses. Each checks what Microsoft documents for it, in the order a
 * client would meet the errors, and only then issues tokens.
 */
export class Grants {
  constructor(
    private readonly store: InMemoryDirectoryStore,
    private readonly clock: ControllableClock,
    private readonly codes: AuthorizationCodeStore,
    private readonly refreshTokens: RefreshTokenStore,
    private readonly issuer: TokenIssuer,
    private readonly policies: ConditionalAccessPolicies,
  ) {}

  /** https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow#redeem-a-code-for-an-access-token */
  async authorizationCode(ctx: GrantContext): Promise<TokenResponse> {
    const code = required(ctx.request, 'code', Aadsts.missingParameter);
    const redirectUri = required(ctx.request, 'redirect_uri', Aadsts.missingParameter);
    const record = this.codes.find(code);
    if (!record) throw Aadsts.codeInvalid();
    const now = this.clock.now();
    if (record.redeemedAt) throw Aadsts.codeRedeemed();
    if (this.codes.isExpired(record, now)) throw Aadsts.grantExpired();
    if (record.clientId !== ctx.app.clientId) throw Aadsts.codeBoundToOtherClient();
    if (record.redirectUri !== redirectUri) throw Aadsts.replyAddressMismatch(redirectUri, record.redirectUri);
    if (record.codeChallenge !== null) {
      const verifier = ctx.request.code_verifier ?? '';
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      if (challenge !== record.codeChallenge) throw Aadsts.verifierMismatch();
    }
    record.redeemedAt = now;
    const { tenant, user } = this.requireUser(record.tenantId, record.userId);
    const claims = parseClaimsRequest(ctx.request.claims);
    checkTokenRequest(this.policies, user, record, claims, graphResource(record.graphCloud), now);
    return this.issueDelegated(ctx, record, tenant, user, record.nonce);
  }

  /** https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow#refresh-the-access-token */
  async refreshToken(ctx: GrantContext): Promise<TokenResponse> {
    const token = required(ctx.request, 'refresh_token', Aadsts.missingParameter);
    const record = this.refreshTokens.find(token);
    if (!record) throw Aadsts.codeInvalid();
    if (record.clientId !== ctx.app.clientId) throw Aadsts.codeBoundToOtherClient();
    if (this.refreshTokens.isSuperseded(record)) throw Aadsts.refreshTokenSuperseded();
    const now = this.clock.now();
    if (this.refreshTokens.isInactive(record, now)) throw Aadsts.refreshTokenInactive(record.issuedAt);
    const { tenant, user } = this.requireUser(record.tenantId, record.userId);
    if (user.refreshTokensValidFrom && user.refreshTokensValidFrom.getTime() > record.issuedAt.getTime()) {
      throw Aadsts.refreshTokenRevoked(record.issuedAt, user.refreshTokensValidFrom);
    }
    let grant: DelegatedGrant = record;
    if (ctx.request.scope) {
      const scopes = parseScopes(ctx.request.scope, ctx.origin.cloud);
      grant = {
        ...record,
        resourceScopes: scopes.resourceScopes,
        oidcScopes: scopes.oidcScopes,
        graphCloud: scopes.graphCloud,
      };
    }
    this.requireConsent(tenant, user, ctx.app, grant);
    const claims = parseClaimsRequest(ctx.request.claims);
    checkTokenRequest(this.policies, user, record, claims, graphResource(grant.graphCloud), now);
    // Marked before the first await, so of two concurrent redemptions under strict rotation one fails.
    if (grant.oidcScopes.includes('offline_access')) record.rotatedAt = now;
    return this.issueDelegated(ctx, { ...grant, mfa: record.mfa, authTime: record.authTime }, tenant, user, null);
  }

  /** https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow */
  async clientCredentials(ctx: GrantContext): Promise<TokenResponse> {
    const scope = required(ctx.request, 'scope', Aadsts.missingParameter);
    if (ctx.tenant.kind !== 'tenant') throw Aadsts.tenantRequired();
    const tenant = ctx.tenant.tenant;
    const scopes = parseScopes(scope, ctx.origin.cloud);
    if (scopes.permissions.length !== 1 || scopes.permissions[0] !== '.default' || scopes.oidcScopes.length > 0) {
      throw Aadsts.defaultScopeRequired(scope);
    }
    const consent = this.store.findAdminConsent(tenant.id, ctx.app.clientId);
    const isHome = ctx.app.homeTenantId === tenant.id;
    // Outside its home tenant an app exists only once an admin (or a user) consented: before
    // that its service principal is missing, which Entra reports as AADSTS700016.
    if (!isHome && !consent) throw Aadsts.appNotFound(ctx.app.clientId, tenant.id);
    // In its home tenant the app gets a token; without admin-consented app roles it carries no `roles`.
    // https://learn.microsoft.com/en-us/entra/identity-platform/access-token-claims-reference#payload-claims
    return this.issuer.appOnly(tenant, ctx.app, consent?.roles ?? [], scopes.graphCloud, ctx.appidacr);
  }

  private requireUser(tenantId: string, userId: string): { tenant: DirectoryTenant; user: DirectoryUser } {
    const tenant = this.store.findTenant(tenantId);
    const user = tenant ? this.store.findUser(tenant.id, userId) : undefined;
    if (!tenant || !user || !user.accountEnabled) throw Aadsts.userDisabled();
    return { tenant, user };
  }

  private requireConsent(
    tenant: DirectoryTenant,
    user: DirectoryUser,
    app: AppRegistration,
    grant: DelegatedGrant,
  ): void {
    if (!hasDelegatedConsent(this.store, tenant.id, user.id, app.clientId))
      throw Aadsts.consentMissing(app.clientId, app.displayName);
    const granted = new Set(
      [...consentedScopes(this.store, tenant.id, user.id, app.clientId)].map((s) => s.toLowerCase()),
    );
    const wanted = grant.resourceScopes
      .map((s) => s.replace(/^https?:\/\/[^/]+\//i, '').toLowerCase())
      .filter((s) => s !== '.default');
    if (wanted.some((s) => !granted.has(s))) throw Aadsts.consentMissing(app.clientId, app.displayName);
  }

  private async issueDelegated(
    ctx: GrantContext,
    grant: DelegatedGrant,
    tenant: DirectoryTenant,
    user: DirectoryUser,
    nonce: string | null,
  ): Promise<TokenResponse> {
    const refreshToken = grant.oidcScopes.includes('offline_access')
      ? this.refreshTokens.issue(this.grantOf(grant), this.clock.now())
      : null;
    return this.issuer.delegated({
      grant,
      tenant,
      user,
      app: ctx.app,
      loginBase: ctx.origin.base,
      nonce,
      refreshToken,
      appidacr: ctx.appidacr,
    });
  }

  /** Copies only the grant's own fields, so code-only data (verifier challenge, nonce) never reaches a refresh token. */
  private grantOf(grant: DelegatedGrant): DelegatedGrant {
    const { tenantId, userId, clientId, resourceScopes, oidcScopes, graphCloud, mfa, authTime } = grant;
    return { tenantId, userId, clientId, resourceScopes, oidcScopes, graphCloud, mfa, authTime };
  }
}
