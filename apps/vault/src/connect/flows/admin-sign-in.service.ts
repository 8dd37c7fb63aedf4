import { Injectable } from '@nestjs/common';
import { IdTokenError, MicrosoftError, resolveCloud, toMicrosoftError } from '@authpipe/microsoft';
import { z } from 'zod';
import { cloudOf } from '../../apps/app-credentials';
import type { AppWithCredentials } from '../../apps/apps.service';
import type { ConnectSessionRecord } from '../sessions/connect-sessions.repository';
import { EventsService } from '../../events/events.service';
import { InstallationsService } from '../../installations/installations.service';
import { MicrosoftGateway } from '../../microsoft/microsoft-gateway';
import { microsoftRedirectError, type CallbackQuery } from './callback-query';
import type { FlowResponse } from '../pages/completion';
import { FlowAppsService, isAppCredentialFailure } from './flow-apps.service';
import { refuseInstalledDirectory } from './directory-refusal';
import { FlowFailure } from './flow-failure';
import { FlowRuns } from './flow-run';
import { FlowStatesService } from '../states/flow-states.service';
import { CONSUMERS_TENANT_ID } from './user-authorization.service';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Directory roles that may grant tenant-wide consent to Microsoft Graph application permissions
 * (what an installation asks for): Global Administrator and Privileged Role Administrator. Cloud
 * Application and Application Administrators may not consent to Graph app roles.
 * https://learn.microsoft.com/en-us/entra/identity/enterprise-apps/grant-admin-consent#prerequisites
 */
export const CONSENTING_ROLE_TEMPLATES: ReadonlySet<string> = new Set([
  '62e90394-69f5-4237-9190-012177145e10',
  'e8611ab8-c189-46e8-94e1-60213ab1f814',
]);

/** An installation's admin signs in for identity only: no Graph permission is asked here. */
export const ADMIN_SIGN_IN_SCOPES = ['openid', 'profile'];

// `wids` is present only when the app's manifest asks for directory roles (groupMembershipClaims).
const widsSchema = z.array(z.string()).optional();

/** Where an installation's admin signs in: the installation's own directory, else the admin's. */
export function adminAuthority(app: AppWithCredentials['app'], existingDirectoryId: string | null): string {
  if (existingDirectoryId !== null) return existingDirectoryId;
  const authority = app.userAuthority.toLowerCase();
  return authority === 'common' || authority === 'organizations' ? 'organizations' : app.userAuthority;
}

/**
 * /oauth/callback for an installation's first step: the admin signed in (auth code + PKCE,
 * openid). The verified id_token — not anything in a URL — proves which directory is being
 * installed and, where Microsoft says so (`wids`), that the person may consent for it. Only then
 * is the admin sent to that directory's own admin-consent page, with a new state that carries the
 * proven directory: the consent callback must name that same directory.
 */
@Injectable()
export class AdminSignInService {
  constructor(
    private readonly states: FlowStatesService,
    private readonly apps: FlowAppsService,
    private readonly runs: FlowRuns,
    private readonly installations: InstallationsService,
    private readonly events: EventsService,
    private readonly microsoft: MicrosoftGateway,
  ) {}

  async handle(query: CallbackQuery, binding: string | null): Promise<FlowResponse> {
    const run = this.runs.start();
    return run.execute(async () => {
      const { session, state, codeVerifier, nonce } = await this.states.take(query.state, 'admin_sign_in', binding);
      const loaded = await this.apps.loadFor(run, session, state.openerOrigin);
      const { app } = loaded;
      if (query.error !== undefined) throw microsoftRedirectError(query, 'access_denied');
      if (query.code === undefined || query.code === '')
        throw FlowFailure.of(400, 'code_missing', 'Microsoft sent no authorization code back.');
      if (codeVerifier === null || nonce === null || binding === null)
        throw new Error('An admin sign-in state lacks its verifier or nonce');

      const existing = await this.installations.findForTenant(
        session.projectId,
        session.tenantExternalId,
        session.provider,
      );
      const authority = adminAuthority(app, existing?.directoryId ?? null);
      const admin = await this.verifiedAdmin(loaded, authority, {
        code: query.code,
        codeVerifier,
        nonce,
        redirectUri: state.redirectUri,
      });
      if (existing !== null && existing.directoryId.toLowerCase() !== admin.directoryId) {
        throw FlowFailure.of(
          409,
          'directory_mismatch',
          'This organisation is already installed from another Microsoft directory; consent must come from that same directory.',
          'Sign in with an administrator of the directory the app was first installed in, or ask the application to remove the installation first.',
        );
      }
      await this.refuseSharedDirectory(session, admin);

      const redirectUri = this.apps.callbackUri(app, 'admin_consent');
      const consentState = await this.states.issue({
        session,
        kind: 'admin_consent',
        redirectUri,
        openerOrigin: state.openerOrigin,
        binding,
        proven: { directoryId: admin.directoryId, adminUpn: admin.upn },
      });
      const url = this.microsoft.auth.adminConsentUrl({
        app: loaded.microsoft,
        tenant: admin.directoryId,
        redirectUri,
        state: consentState,
        scope: resolveCloud(cloudOf(app)).graphDefaultScope,
      });
      return { kind: 'redirect', location: this.microsoft.forBrowser(url) };
    });
  }

  /** Redeems the code and verifies the id_token; refuses personal accounts and, where `wids` tells, non-admins. */
  private async verifiedAdmin(
    { app, microsoft }: AppWithCredentials,
    authority: string,
    params: { code: string; codeVerifier: string; nonce: string; redirectUri: string },
  ): Promise<{ directoryId: string; upn: string | null; roles: string[] | null }> {
    let tokens;
    try {
      tokens = await this.microsoft.auth.redeemCode({
        app: microsoft,
        authority,
        scopes: ADMIN_SIGN_IN_SCOPES,
        ...params,
      });
    } catch (error) {
      const failure = (error instanceof MicrosoftError ? error : toMicrosoftError(error)).failure;
      if (isAppCredentialFailure(failure)) await this.apps.markMisconfigured(app, failure);
      throw FlowFailure.fromMicrosoft(failure);
    }
    let claims;
    try {
      claims = await this.microsoft.idTokens.verify({
        idToken: tokens.idToken ?? '',
        cloud: cloudOf(app),
        authority,
        clientId: app.clientId,
        nonce: params.nonce,
        ...(GUID.test(authority) ? { expectedTenantId: authority } : {}),
      });
    } catch (error) {
      if (!(error instanceof IdTokenError)) throw error;
      if (error.reason === 'tenant_mismatch') {
        throw FlowFailure.of(
          409,
          'directory_mismatch',
          'The administrator signed in with an account of another Microsoft organisation than the one this installation belongs to.',
          'Sign in with an administrator account of the organisation the app is installed in.',
        );
      }
      throw FlowFailure.of(502, 'id_token_invalid', `Microsoft's sign-in proof did not verify (${error.reason}).`);
    }
    const directoryId = claims.tid.toLowerCase();
    if (directoryId === CONSUMERS_TENANT_ID) {
      throw FlowFailure.of(
        403,
        'personal_account_not_allowed',
        'A personal Microsoft account cannot install apps: installing needs an administrator of a work or school organisation.',
        'Sign in with an administrator account of your organisation: close this window and start again from the application.',
      );
    }
    const wids = widsSchema.safeParse(claims.wids);
    const roles = wids.success && wids.data !== undefined ? wids.data.map((r) => r.toLowerCase()) : null;
    if (roles !== null && !roles.some((r) => CONSENTING_ROLE_TEMPLATES.has(r))) {
      throw FlowFailure.of(
        403,
        'admin_role_required',
        'The account you signed in with is not an administrator who can approve this app for your organisation.',
        'Ask a Global Administrator or Privileged Role Administrator of your organisation to install the app.',
      );
    }
    return { directoryId, upn: claims.preferred_username ?? null, roles };
  }

  /**
   * A directory installed for another tenant of the project is refused unless the project allows
   * sharing; even then, installing it again needs proof of an admin role (`wids`), because the
   * app's existing consent there would otherwise let any member of that directory bind it.
   */
  private async refuseSharedDirectory(
    session: ConnectSessionRecord,
    admin: { directoryId: string; roles: string[] | null },
  ): Promise<void> {
    const other = await this.installations.findInDirectoryForOtherTenant(
      session.projectId,
      session.tenantExternalId,
      session.provider,
      admin.directoryId,
    );
    if (other === null) return;
    if (!(await this.installations.allowsSharedDirectories(session.projectId))) {
      throw await refuseInstalledDirectory(this.events, session, admin.directoryId, {
        tenantId: other.tenantExternalId,
        installationId: other.id,
      });
    }
    if (admin.roles === null) {
      throw FlowFailure.of(
        403,
        'admin_role_required',
        'Microsoft did not say whether the account you signed in with is an administrator, which this organisation needs proven.',
        "The application's developers must set groupMembershipClaims to DirectoryRole in the app's manifest in Entra ID, so sign-ins carry directory roles.",
      );
    }
  }
}
