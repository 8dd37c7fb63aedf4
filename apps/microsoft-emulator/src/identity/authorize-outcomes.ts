// What the authorize and admin-consent endpoints answer: a page, or a reply to the client's
// (validated) redirect URI. Shared by the start of a sign-in and its completion.
import type { ControllableClock } from '../clock/controllable-clock';
import type { DirectoryUser } from '../directory/directory.types';
import type { AuthorizationCodeStore } from '../tokens/grant-stores';
import { OIDC_SCOPES } from '../tokens/scopes';
import { clientInfo } from '../tokens/token-issuer';
import type { AadstsError } from './aadsts';
import type { PendingRequest, PendingRequests } from './pending-requests';
import { replyTo, type AuthorizationReply, type ResponseMode } from './redirect-uris';
import { errorPage, signInPage } from './sign-in.page';

/** The browser's next step: a page to show, or a reply to the client's redirect URI. */
export type AuthorizeOutcome =
  { kind: 'page'; status: number; html: string } | { kind: 'reply'; reply: AuthorizationReply };

/** An error Microsoft sends back to the (already validated) redirect URI. */
export class RedirectableError extends Error {
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

/** Microsoft's own error page, for errors it will not send to an untrusted redirect URI. */
export function errorPageOutcome(error: AadstsError, status = 400): AuthorizeOutcome {
  return { kind: 'page', status, html: errorPage(error.code, error.description) };
}

/** https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow#error-response */
export function errorReply(failure: RedirectableError, subcode?: string): AuthorizeOutcome {
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

/** A plain reply to the redirect URI (no AADSTS description), for the cases Microsoft sends one. */
export function plainReply(request: PendingRequest, fields: Record<string, string | undefined>): AuthorizeOutcome {
  return { kind: 'reply', reply: replyTo(request.redirectUri, request.responseMode, fields) };
}

/** Delegated permissions the user consents to: `.default` means everything the app registered. */
export function permissionsOf(request: PendingRequest): string[] {
  const named = request.scopes.permissions.includes('.default')
    ? request.app.delegatedPermissions
    : request.scopes.permissions;
  return [...new Set([...named, ...request.scopes.oidcScopes])];
}

/** The account picker with the permissions asked for; the request is parked until the form comes back. */
export function pickerPage(
  pending: PendingRequests,
  request: PendingRequest,
  action: string,
  error: string | null,
  status = 200,
): AuthorizeOutcome {
  const requestId = pending.add(request);
  const admin = request.kind !== 'authorize';
  const permissions = admin
    ? [
        ...request.app.applicationPermissions.map((p) => `${p} (application)`),
        ...request.app.delegatedPermissions.filter((p) => !OIDC_SCOPES.has(p.toLowerCase())),
      ]
    : permissionsOf(request);
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

/** Issues the authorization code of a completed sign-in and sends it to the redirect URI. */
export function codeReply(
  codes: AuthorizationCodeStore,
  clock: ControllableClock,
  request: PendingRequest,
  user: DirectoryUser,
): AuthorizeOutcome {
  const now = clock.now();
  const code = codes.issue({
    tenantId: user.tenantId,
    userId: user.id,
    clientId: request.app.clientId,
    resourceScopes: request.scopes.resourceScopes,
    oidcScopes: request.scopes.oidcScopes,
    graphCloud: request.scopes.graphCloud,
    // The sign-in page stands for the whole interactive sign-in, MFA included when required.
    mfa: user.mfaRequired,
    authTime: now,
    redirectUri: request.redirectUri,
    codeChallenge: request.codeChallenge,
    nonce: request.nonce,
    issuedAt: now,
  });
  return plainReply(request, {
    code,
    state: request.state,
    client_info: request.clientInfo ? clientInfo(user.id, user.tenantId) : undefined,
  });
}
