import { z } from 'zod';
import type { ControllableClock } from '../clock/controllable-clock';
import type { DirectoryUser } from '../directory/directory.types';
import type { InMemoryDirectoryStore } from '../directory/in-memory-directory.store';
import { consentedScopes } from '../tokens/consent';
import type { AuthorizationCodeStore } from '../tokens/grant-stores';
import { OIDC_SCOPES } from '../tokens/scopes';
import { Aadsts, AadstsError } from './aadsts';
import { AadstsPolicy } from './aadsts-policy';
import {
  codeReply,
  errorPageOutcome,
  errorReply,
  permissionsOf,
  pickerPage,
  plainReply,
  RedirectableError,
  type AuthorizeOutcome,
} from './authorize-outcomes';
import type { ConditionalAccessPolicies } from './conditional-access';
import type { PendingRequest, PendingRequests } from './pending-requests';
import { adminApprovalPage } from './sign-in.page';
import { satisfyChallenges, signInRefusal } from './sign-in-policy';

const signInForm = z.object({
  request: z.string().min(1),
  login: z.string().default(''),
  action: z.enum(['approve', 'deny']),
});

/**
 * The sign-in page's form coming back: the person picked an account and pressed Accept or Cancel.
 * Admin consent records the tenant-wide grant; a user sign-in records the user's consent (or
 * meets "Need admin approval"), answers Conditional Access challenges and issues the code.
 */
export class SignInCompletion {
  constructor(
    private readonly store: InMemoryDirectoryStore,
    private readonly clock: ControllableClock,
    private readonly codes: AuthorizationCodeStore,
    private readonly pending: PendingRequests,
    private readonly policies: ConditionalAccessPolicies,
    /** Whether a user may sign in through this request (tenant, cloud, the app's audience). */
    private readonly eligible: (request: PendingRequest, user: DirectoryUser) => boolean,
  ) {}

  complete(form: unknown, action: string): AuthorizeOutcome {
    const parsed = signInForm.safeParse(form);
    if (!parsed.success) return errorPageOutcome(Aadsts.invalidParameter('request'));
    const request = this.pending.take(parsed.data.request, this.clock.now().getTime());
    if (!request)
      return errorPageOutcome(
        new AadstsError(
          50012,
          'invalid_request',
          'This sign-in request has expired or was already completed. Start again from the application.',
        ),
      );
    if (parsed.data.action === 'deny') return this.declined(request);
    if (request.adminApprovalShown) return this.adminApproval(request, parsed.data.login, action);
    const user = this.store.findUserByUpn(parsed.data.login);
    if (!user || !this.eligible(request, user))
      return pickerPage(this.pending, request, action, 'Choose one of the accounts listed.');
    const refusal = signInRefusal(this.policies, user);
    if (refusal) return errorPageOutcome(refusal, 403);
    if (request.kind !== 'authorize') return this.adminConsent(request, user, action);
    return this.userSignIn(request, user, action);
  }

  private declined(request: PendingRequest): AuthorizeOutcome {
    // The older /{tenant}/adminconsent documents its own cancel reply (v2-oauth2-client-creds-grant-flow#error-response).
    if (request.kind === 'adminconsent-v1')
      return plainReply(request, {
        error: 'permission_denied',
        error_description: 'The admin canceled the request',
        state: request.state,
      });
    // "Return to the application without granting consent" comes back as a bare cancel, without
    // an AADSTS description (observed replies; the sign-in logs show 90094).
    if (request.adminApprovalShown)
      return plainReply(request, { error: 'access_denied', error_subcode: 'cancel', state: request.state });
    return errorReply(
      new RedirectableError(Aadsts.userDeclined(), request.redirectUri, request.responseMode, request.state),
      'cancel',
    );
  }

  private adminConsent(request: PendingRequest, user: DirectoryUser, action: string): AuthorizeOutcome {
    if (!user.isAdmin)
      return pickerPage(
        this.pending,
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
    // v2.0 echoes the scope; the older path has none to echo (v2-admin-consent, v2-oauth2-client-creds-grant-flow).
    return plainReply(request, {
      admin_consent: 'True',
      tenant: user.tenantId,
      scope: request.kind === 'adminconsent' ? request.scope : undefined,
      state: request.state,
    });
  }

  private userSignIn(request: PendingRequest, user: DirectoryUser, action: string): AuthorizeOutcome {
    const wanted = permissionsOf(request);
    if (this.needsAdminApproval(request, user, wanted))
      return this.adminApproval(request, user.userPrincipalName, action);
    this.store.grantUserConsent({
      tenantId: user.tenantId,
      userId: user.id,
      clientId: request.app.clientId,
      scopes: wanted,
    });
    satisfyChallenges(this.policies, user, request.claims);
    // A user who had to enroll in MFA did so on this (emulated) sign-in.
    if (user.mfaRequired && !user.mfaRegistered) this.store.updateUser(user.tenantId, user.id, { mfaRegistered: true });
    return codeReply(this.codes, this.clock, request, user);
  }

  /**
   * A user who is not an administrator needs admin approval when the tenant does not allow user
   * consent and some permission asked for is not consented yet (by the user or tenant-wide).
   * https://learn.microsoft.com/en-us/entra/identity/enterprise-apps/configure-user-consent
   */
  private needsAdminApproval(request: PendingRequest, user: DirectoryUser, wanted: string[]): boolean {
    if (user.isAdmin || this.store.findTenant(user.tenantId)?.usersCanConsent !== false) return false;
    const granted = new Set(
      [...consentedScopes(this.store, user.tenantId, user.id, request.app.clientId)].map((s) => s.toLowerCase()),
    );
    return wanted.some((p) => !OIDC_SCOPES.has(p.toLowerCase()) && !granted.has(p.toLowerCase()));
  }

  private adminApproval(request: PendingRequest, upn: string, action: string): AuthorizeOutcome {
    const requestId = this.pending.add({ ...request, adminApprovalShown: true });
    const html = adminApprovalPage({
      action,
      requestId,
      upn,
      message: AadstsPolicy.adminApprovalRequired(request.app.displayName).description,
    });
    return { kind: 'page', status: 403, html };
  }
}
