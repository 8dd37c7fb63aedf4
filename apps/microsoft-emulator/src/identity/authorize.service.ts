import { z } from 'zod';
import type { ControllableClock } from '../clock/controllable-clock';
import type { AppRegistration, DirectoryUser } from '../directory/directory.types';
import type { InMemoryDirectoryStore } from '../directory/in-memory-directory.store';
import { consentedScopes } from '../tokens/consent';
import type { AuthorizationCodeStore } from '../tokens/grant-stores';
import { OIDC_SCOPES, parseScopes } from '../tokens/scopes';
import { clientInfo } from '../tokens/token-issuer';
import { Aadsts, AadstsError } from './aadsts';
import { resolveTenantSegment, type LoginOrigin, type TenantSegment } from './login-origin';
import type { PendingRequest, PendingRequests } from './pending-requests';
import { redirectUriMatches, replyTo, type AuthorizationReply, type ResponseMode } from './redirect-uris';
import { errorPage, signInPage } from './sign-in.page';

/** The browser's next step: a page to show, or a reply to the client's redirect URI. */
export type AuthorizeOutcome =
  { kind: 'page'; status: number; html: string } | { kind: 'reply'; reply: AuthorizationReply };

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
});
const signInForm = z.object({
  request: z.string().min(1),
  login: z.string().default(''),
  action: z.enum(['approve', 'deny']),
});

/** An error Microsoft sends back to the (already validated) redirect URI. */
class RedirectableError extends Error {
  constructor(
    readonly error: AadstsError,
    readonly redirectUri: string,
    readonly mode: ResponseMode,
    readonly state: string | undefined,
  ) {
    // The AADSTS code only: the redirect URI and state stay out of any stack trace or log line.
    super(`AADSTS${error.code} to be sent to the redirect URI`);
    this.name = 'RedirectableError';
  }
}

function page(error: AadstsError, status = 400): AuthorizeOutcome {
  return { kind: 'page', status, html: errorPage(error.code, error.description) };
}

/**
 * The authorize and admin-consent endpoints. Until the client and its redirect URI are known to
 * match, errors are shown on the emulator's own page (the redirect is not trusted); after that
 * they go back to the redirect URI.
 * https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow#request-an-authorization-code
 * https://learn.microsoft.com/en-us/entra/identity-platform/v2-admin-consent
 */
export class AuthorizeService {
  constructor(
    private readonly store: InMemoryDirectoryStore,
    private readonly clock: ControllableClock,
    private readonly codes: AuthorizationCodeStore,
    private readonly pending: PendingRequests,
  ) {}

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
      if (error instanceof RedirectableError) return this.errorReply(error);
      if (error instanceof AadstsError) return page(error);
      throw error;
    }
  }

  complete(form: unknown, action: string): AuthorizeOutcome {
    const parsed = signInForm.safeParse(form);
    if (!parsed.success) return page(Aadsts.invalidParameter('request'));
    const request = this.pending.take(parsed.data.request, this.clock.now().getTime());
    if (!request)
      return page(
        new AadstsError(
          50012,
          'invalid_request',
          'This sign-in request has expired or was already completed. Start again from the application.',
        ),
      );
    if (parsed.data.action === 'deny') {
      return this.errorReply(
        new RedirectableError(Aadsts.userDeclined(), request.redirectUri, request.responseMode, request.state),
        'cancel',
      );
    }
    const user = request.candidates.find((u) => u.userPrincipalName.toLowerCase() === parsed.data.login.toLowerCase());
    if (!user) return this.showPage(request, action, 'Choose one of the accounts listed.');
    if (request.kind === 'adminconsent') {
      if (!user.isAdmin)
        return this.showPage(
          request,
          action,
          `${user.userPrincipalName} is not an administrator: this app needs admin approval.`,
          403,
        );
      this.store.grantAdminConsent({
        tenantId: user.tenantId,
        clientId: request.app.clientId,
        roles: [...request.app.applicationPermissions],
        scopes: request.app.delegatedPermissions.filter((p) => !OIDC_SCOPES.has(p.toLowerCase())),
        grantedBy: user.id,
      });
      return {
        kind: 'reply',
        reply: replyTo(request.redirectUri, request.responseMode, {
          admin_consent: 'True',
          tenant: user.tenantId,
          scope: request.scope,
          state: request.state,
        }),
      };
    }
    this.store.grantUserConsent({
      tenantId: user.tenantId,
      userId: user.id,
      clientId: request.app.clientId,
      scopes: this.permissionsOf(request),
    });
    return this.codeReply(request, user);
  }

  private startOrThrow(
    kind: PendingRequest['kind'],
    tenantSegment: string,
    rawQuery: unknown,
    origin: LoginOrigin,
    action: string,
  ): AuthorizeOutcome {
    const tenant = resolveTenantSegment(this.store, tenantSegment);
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
    const fail = (error: AadstsError): RedirectableError =>
      new RedirectableError(error, q.redirect_uri as string, mode, q.state);
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
      if (!q.scope) throw Aadsts.missingParameter('scope');
      const request: PendingRequest = {
        kind,
        app,
        tenant,
        redirectUri: q.redirect_uri,
        responseMode: mode,
        state: q.state,
        scope: q.scope,
        scopes: parseScopes(q.scope, origin.cloud),
        codeChallenge: q.code_challenge ?? null,
        nonce: q.nonce ?? null,
        loginHint: q.login_hint ?? null,
        prompt: q.prompt ?? null,
        clientInfo: q.client_info === '1',
        candidates: this.candidatesFor(app, tenant),
        createdAt: this.clock.now().getTime(),
      };
      if (kind === 'authorize' && request.prompt === 'none') return this.silent(request);
      return this.showPage(request, action, null);
    } catch (error) {
      if (error instanceof AadstsError) throw fail(error);
      throw error;
    }
  }

  /** prompt=none: no page can be shown, so the hinted user must exist and have consented already. */
  private silent(request: PendingRequest): AuthorizeOutcome {
    const user = request.loginHint
      ? request.candidates.find((u) => u.userPrincipalName.toLowerCase() === request.loginHint?.toLowerCase())
      : undefined;
    if (!user) throw Aadsts.interactionRequired();
    const granted = consentedScopes(this.store, user.tenantId, user.id, request.app.clientId);
    const missing = this.permissionsOf(request).filter((p) => !OIDC_SCOPES.has(p.toLowerCase()) && !granted.has(p));
    if (missing.length > 0)
      throw new AadstsError(
        65001,
        'consent_required',
        Aadsts.consentMissing(request.app.clientId, request.app.displayName).description,
      );
    return this.codeReply(request, user);
  }

  /** Who may sign in: the tenant in the path, the app's sign-in audience and (consumers) personal accounts. */
  private candidatesFor(app: AppRegistration, tenant: TenantSegment): DirectoryUser[] {
    const tenants = tenant.tenant
      ? [tenant.tenant]
      : this.store.tenants().filter((t) => (tenant.kind === 'organizations' ? t.kind === 'organization' : true));
    const allowed = tenants.filter((t) => {
      if (app.signInAudience === 'AzureADMyOrg') return t.id === app.homeTenantId;
      if (app.signInAudience === 'AzureADMultipleOrgs') return t.kind === 'organization';
      return true;
    });
    return allowed.flatMap((t) => this.store.usersOf(t.id)).filter((u) => u.accountEnabled);
  }

  private checkAudience(app: AppRegistration, tenant: TenantSegment, kind: PendingRequest['kind']): void {
    if (kind === 'adminconsent' && tenant.kind !== 'tenant' && tenant.kind !== 'organizations')
      throw Aadsts.invalidParameter('tenant');
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

  /** Delegated permissions the user consents to: `.default` means everything the app registered. */
  private permissionsOf(request: PendingRequest): string[] {
    const named = request.scopes.permissions.includes('.default')
      ? request.app.delegatedPermissions
      : request.scopes.permissions;
    return [...new Set([...named, ...request.scopes.oidcScopes])];
  }

  private codeReply(request: PendingRequest, user: DirectoryUser): AuthorizeOutcome {
    const code = this.codes.issue({
      tenantId: user.tenantId,
      userId: user.id,
      clientId: request.app.clientId,
      resourceScopes: request.scopes.resourceScopes,
      oidcScopes: request.scopes.oidcScopes,
      graphCloud: request.scopes.graphCloud,
      // The sign-in page stands for the whole interactive sign-in, MFA included when required.
      mfa: user.mfaRequired,
      redirectUri: request.redirectUri,
      codeChallenge: request.codeChallenge,
      nonce: request.nonce,
      issuedAt: this.clock.now(),
    });
    const fields = {
      code,
      state: request.state,
      client_info: request.clientInfo ? clientInfo(user.id, user.tenantId) : undefined,
    };
    return { kind: 'reply', reply: replyTo(request.redirectUri, request.responseMode, fields) };
  }

  private showPage(request: PendingRequest, action: string, error: string | null, status = 200): AuthorizeOutcome {
    const requestId = this.pending.add(request);
    const admin = request.kind === 'adminconsent';
    const permissions = admin
      ? [
          ...request.app.applicationPermissions.map((p) => `${p} (application)`),
          ...request.app.delegatedPermissions.filter((p) => !OIDC_SCOPES.has(p.toLowerCase())),
        ]
      : this.permissionsOf(request);
    const html = signInPage({
      action,
      requestId,
      appName: request.app.displayName,
      title: admin
        ? `Permissions requested for your organization: ${request.app.displayName}`
        : `Sign in to ${request.app.displayName}`,
      users: request.candidates.map((u) => ({ upn: u.userPrincipalName, displayName: u.displayName })),
      selectedUpn: request.loginHint,
      permissions,
      error,
    });
    return { kind: 'page', status, html };
  }

  private errorReply(failure: RedirectableError, subcode?: string): AuthorizeOutcome {
    const e = failure.error;
    return {
      kind: 'reply',
      reply: replyTo(failure.redirectUri, failure.mode, {
        error: e.error,
        error_description: `AADSTS${e.code}: ${e.description}`,
        error_uri: `https://login.microsoftonline.com/error?code=${e.code}`,
        ...(subcode ? { error_subcode: subcode } : {}),
        state: failure.state,
      }),
    };
  }
}
