import { z } from 'zod';
import type { ControllableClock } from '../clock/controllable-clock';
import { graphResource, sameLoginHost } from '../directory/clouds';
import type { AppRegistration, DirectoryTenant, DirectoryUser } from '../directory/directory.types';
import type { InMemoryDirectoryStore } from '../directory/in-memory-directory.store';
import { consentedScopes } from '../tokens/consent';
import type { AuthorizationCodeStore } from '../tokens/grant-stores';
import { OIDC_SCOPES, parseScopes } from '../tokens/scopes';
import { Aadsts, AadstsError } from './aadsts';
import { AadstsPolicy } from './aadsts-policy';
import {
  codeReply,
  errorPageOutcome,
  errorReply,
  permissionsOf,
  pickerPage,
  RedirectableError,
  type AuthorizeOutcome,
} from './authorize-outcomes';
import { parseClaimsRequest } from './claims-request';
import type { ConditionalAccessPolicies } from './conditional-access';
import { resolveTenantSegment, type LoginOrigin, type TenantSegment } from './login-origin';
import type { PendingRequest, PendingRequests } from './pending-requests';
import { redirectUriMatches, type ResponseMode } from './redirect-uris';
import { SignInCompletion } from './sign-in-completion';
import { signInRefusal } from './sign-in-policy';

export type { AuthorizeOutcome } from './authorize-outcomes';

const queryValue = z.string().optional();
const authorizeQuery = z.object({
  client_id: queryValue,
  redirect_uri: queryValue,
  response_type: queryValue,
  response_mode: z.enum(['query', 'fragment', 'form_post']).optional(),
  scope: queryValue,
  state: queryValue,
  code_challenge: queryValue,
  code_challenge_method: queryValue,
  nonce: queryValue,
  login_hint: queryValue,
  prompt: queryValue,
  client_info: queryValue,
  claims: queryValue,
});

/** Accounts listed on one sign-in page; a benchmark directory can hold a hundred thousand. */
const MAX_LISTED_ACCOUNTS = 100;

/**
 * The authorize and admin-consent endpoints. Until the client and its redirect URI are known to
 * match, errors are shown on the emulator's own page (the redirect is not trusted); after that
 * they go back to the redirect URI.
 * https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow#request-an-authorization-code
 * https://learn.microsoft.com/en-us/entra/identity-platform/v2-admin-consent
 * https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow#request-the-permissions-from-a-directory-admin
 */
export class AuthorizeService {
  private readonly completion: SignInCompletion;

  constructor(
    private readonly store: InMemoryDirectoryStore,
    private readonly clock: ControllableClock,
    private readonly codes: AuthorizationCodeStore,
    private readonly pending: PendingRequests,
    private readonly policies: ConditionalAccessPolicies,
  ) {
    this.completion = new SignInCompletion(store, clock, codes, pending, policies, (request, user) =>
      this.eligible(request.app, request.tenant, request.cloud, user),
    );
  }

  start(
    kind: PendingRequest['kind'],
    tenantSegment: string,
    query: unknown,
    origin: LoginOrigin,
    action: string,
  ): AuthorizeOutcome {
    try {
      return this.startOrThrow(kind, tenantSegment, query, origin, action);
    } catch (error) {
      if (error instanceof RedirectableError) return errorReply(error);
      if (error instanceof AadstsError) return errorPageOutcome(error);
      throw error;
    }
  }

  complete(form: unknown, action: string): AuthorizeOutcome {
    return this.completion.complete(form, action);
  }

  private startOrThrow(
    kind: PendingRequest['kind'],
    tenantSegment: string,
    rawQuery: unknown,
    origin: LoginOrigin,
    action: string,
  ): AuthorizeOutcome {
    const tenant = resolveTenantSegment(this.store, tenantSegment, origin.cloud);
    const parsedQuery = authorizeQuery.safeParse(rawQuery ?? {});
    if (!parsedQuery.success) throw Aadsts.invalidParameter(String(parsedQuery.error.issues[0]?.path[0] ?? 'query'));
    const q = parsedQuery.data;
    if (!q.client_id) throw Aadsts.missingParameter('client_id');
    const app = this.store.findApp(q.client_id);
    if (!app) throw Aadsts.appNotFound(q.client_id, tenant.tenant?.id ?? tenantSegment);
    if (!q.redirect_uri) throw Aadsts.missingParameter('redirect_uri');
    if (!redirectUriMatches(app.redirectUris, q.redirect_uri))
      throw Aadsts.redirectMismatch(q.redirect_uri, app.clientId);
    const mode: ResponseMode = q.response_mode ?? 'query';
    try {
      this.checkAudience(app, tenant, kind);
      if (kind === 'authorize') {
        if (!q.response_type) throw Aadsts.missingParameter('response_type');
        if (q.response_type !== 'code') throw Aadsts.unsupportedResponseType();
        // Microsoft would accept `plain`; the emulator refuses it so a client that weakens PKCE fails here first.
        if (q.code_challenge !== undefined && (q.code_challenge_method ?? 'plain') !== 'S256')
          throw Aadsts.pkcePlainRefused();
        if (q.code_challenge !== undefined && !/^[A-Za-z0-9_-]{43}$/.test(q.code_challenge))
          throw Aadsts.invalidParameter('code_challenge');
      }
      // The older admin consent path takes no scope: it grants what the app registration lists.
      const scope = kind === 'adminconsent-v1' ? (q.scope ?? `${graphResource(origin.cloud)}/.default`) : q.scope;
      if (!scope) throw Aadsts.missingParameter('scope');
      const request: PendingRequest = {
        kind,
        app,
        tenant,
        cloud: origin.cloud,
        redirectUri: q.redirect_uri,
        responseMode: mode,
        state: q.state,
        scope,
        scopes: parseScopes(scope, origin.cloud),
        codeChallenge: q.code_challenge ?? null,
        nonce: q.nonce ?? null,
        loginHint: q.login_hint ?? null,
        prompt: q.prompt ?? null,
        clientInfo: q.client_info === '1',
        claims: parseClaimsRequest(q.claims),
        adminApprovalShown: false,
        candidates: this.candidatesFor(app, tenant, origin, q.login_hint ?? null),
        createdAt: this.clock.now().getTime(),
      };
      if (kind === 'authorize' && request.prompt === 'none') return this.silent(request);
      return pickerPage(this.pending, request, action, null);
    } catch (error) {
      if (error instanceof AadstsError) throw new RedirectableError(error, q.redirect_uri, mode, q.state);
      throw error;
    }
  }

  /** prompt=none: no page can be shown, so the hinted user must exist, be let in and have consented already. */
  private silent(request: PendingRequest): AuthorizeOutcome {
    const hinted = request.loginHint ? this.store.findUserByUpn(request.loginHint) : undefined;
    const user = hinted && this.eligible(request.app, request.tenant, request.cloud, hinted) ? hinted : undefined;
    if (!user) throw Aadsts.interactionRequired();
    const refusal = signInRefusal(this.policies, user);
    if (refusal) throw refusal;
    // A pending Conditional Access challenge needs the person (MFA on the sign-in page).
    if (this.policies.applying(user.tenantId, user.id).some((p) => p.control.kind === 'claimsChallenge'))
      throw AadstsPolicy.conditionalAccessChallenge(graphResource(request.scopes.graphCloud), undefined);
    const granted = consentedScopes(this.store, user.tenantId, user.id, request.app.clientId);
    const missing = permissionsOf(request).filter((p) => !OIDC_SCOPES.has(p.toLowerCase()) && !granted.has(p));
    if (missing.length > 0)
      throw new AadstsError(
        65001,
        'consent_required',
        Aadsts.consentMissing(request.app.clientId, request.app.displayName).description,
      );
    return codeReply(this.codes, this.clock, request, user);
  }

  /**
   * Whether a user may sign in here: enabled, in a tenant of the login host's cloud, in the tenant
   * of the path (or any for common/organizations/consumers), within the app's sign-in audience.
   */
  private eligible(
    app: AppRegistration,
    segment: TenantSegment,
    cloud: LoginOrigin['cloud'],
    user: DirectoryUser,
  ): boolean {
    if (!user.accountEnabled) return false;
    const tenant = this.store.findTenant(user.tenantId);
    return tenant !== undefined && this.tenantAllowed(app, segment, cloud, tenant);
  }

  private tenantAllowed(
    app: AppRegistration,
    segment: TenantSegment,
    cloud: LoginOrigin['cloud'],
    t: DirectoryTenant,
  ): boolean {
    if (!sameLoginHost(t.cloud, cloud)) return false;
    if (segment.tenant) {
      if (t.id !== segment.tenant.id) return false;
    } else if (segment.kind === 'organizations' && t.kind !== 'organization') return false;
    else if (segment.kind === 'consumers' && t.kind !== 'consumers') return false;
    if (app.signInAudience === 'AzureADMyOrg') return t.id === app.homeTenantId;
    if (app.signInAudience === 'AzureADMultipleOrgs') return t.kind === 'organization';
    return true;
  }

  /** The accounts the page lists: the hinted one first, then others up to a page full. */
  private candidatesFor(
    app: AppRegistration,
    segment: TenantSegment,
    origin: LoginOrigin,
    loginHint: string | null,
  ): DirectoryUser[] {
    const listed: DirectoryUser[] = [];
    const hinted = loginHint ? this.store.findUserByUpn(loginHint) : undefined;
    if (hinted && this.eligible(app, segment, origin.cloud, hinted)) listed.push(hinted);
    for (const tenant of this.store.tenants()) {
      if (!this.tenantAllowed(app, segment, origin.cloud, tenant)) continue;
      for (const user of this.store.usersOf(tenant.id)) {
        if (listed.length >= MAX_LISTED_ACCOUNTS) return listed;
        if (user.accountEnabled && user !== hinted) listed.push(user);
      }
    }
    return listed;
  }

  private checkAudience(app: AppRegistration, tenant: TenantSegment, kind: PendingRequest['kind']): void {
    // v2.0 admin consent needs the tenant (or organizations); the older path also takes common.
    const allowed = kind === 'adminconsent-v1' ? ['tenant', 'organizations', 'common'] : ['tenant', 'organizations'];
    if (kind !== 'authorize' && !allowed.includes(tenant.kind)) throw Aadsts.invalidParameter('tenant');
    if (app.signInAudience === 'AzureADMyOrg') {
      if (tenant.kind !== 'tenant') throw Aadsts.singleTenantOnCommon(app.clientId);
      if (tenant.tenant.id !== app.homeTenantId) throw Aadsts.appNotFound(app.clientId, tenant.tenant.id);
    }
    if (tenant.kind === 'consumers' && app.signInAudience !== 'AzureADandPersonalMicrosoftAccount') {
      throw new AadstsError(
        700016,
        'unauthorized_client',
        'The client does not exist or is not enabled for consumers.',
      );
    }
  }
}
