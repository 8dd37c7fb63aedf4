import { Inject, Injectable } from '@nestjs/common';
import { createPkcePair, MicrosoftError, toMicrosoftError } from '@authpipe/microsoft';
import { RANDOM, randomToken, type Random } from '../../common/random';
import type { AppWithCredentials } from '../../apps/apps.service';
import { ConnectSessionsService } from '../sessions/connect-sessions.service';
import type { ConnectSessionRecord } from '../sessions/connect-sessions.repository';
import { ConnectionsService } from '../../connections/connections.service';
import { InstallationsService } from '../../installations/installations.service';
import { ADMIN_SIGN_IN_SCOPES, adminAuthority } from './admin-sign-in.service';
import { newBindingValue } from '../states/browser-binding';
import type { FlowResponse } from '../pages/completion';
import { FlowAppsService } from './flow-apps.service';
import { FlowFailure } from './flow-failure';
import { FlowRuns } from './flow-run';
import { FlowStatesService } from '../states/flow-states.service';
import { MicrosoftGateway } from '../../microsoft/microsoft-gateway';
import { requestScopes } from '../../microsoft/scopes';

/** The start of a flow: where to send the browser, and the binding cookie to set when it goes. */
export interface ConnectStart {
  response: FlowResponse;
  /** Set as the browser-binding cookie when present. */
  binding: string | null;
}

/**
 * GET /connect/:provider?session=…: checks the connect session and the app, then sends the
 * browser to Microsoft's sign-in — the authorization code flow with PKCE S256, state and nonce —
 * for an installation's admin (who is then sent on to admin consent) or for a user. Every
 * configuration problem is shown before any redirect.
 */
@Injectable()
export class ConnectService {
  constructor(
    private readonly sessions: ConnectSessionsService,
    private readonly states: FlowStatesService,
    private readonly apps: FlowAppsService,
    private readonly runs: FlowRuns,
    private readonly installations: InstallationsService,
    private readonly connections: ConnectionsService,
    private readonly microsoft: MicrosoftGateway,
    @Inject(RANDOM) private readonly random: Random,
  ) {}

  async start(provider: string, token: string | undefined): Promise<ConnectStart> {
    const run = this.runs.start();
    let binding: string | null = null;
    const response = await run.execute(async () => {
      const session = await this.sessions.verify(token ?? '');
      const loaded = await this.apps.loadFor(run, session);
      if (session.provider !== provider) {
        throw FlowFailure.of(
          400,
          'provider_mismatch',
          `This connect session is for ${session.provider}, not ${provider}.`,
        );
      }
      if (loaded.app.status === 'misconfigured') {
        throw FlowFailure.of(
          409,
          'app_misconfigured',
          "The application's Microsoft app is misconfigured, so signing in would fail.",
          loaded.app.statusRemediation ?? "The application's developers must fix the app's credentials in Authpipe.",
        );
      }
      binding = newBindingValue(this.random);
      const url =
        session.credentialFor === 'installation'
          ? await this.adminSignInUrl(session, loaded, binding)
          : await this.authorizeUrl(session, loaded, binding);
      return { kind: 'redirect', location: this.microsoft.forBrowser(url) } satisfies FlowResponse;
    });
    return { response, binding: response.kind === 'redirect' ? binding : null };
  }

  /**
   * An installation starts with the admin signing in (openid only): the verified id_token, not the
   * consent callback's query string, establishes which directory is being installed. Re-consent
   * signs in at the installation's own directory; a first install lets the admin's directory
   * decide (organizations), never common: a personal account cannot install.
   */
  private async adminSignInUrl(session: ConnectSessionRecord, loaded: AppWithCredentials, binding: string) {
    const { app } = loaded;
    if (app.userAuthority.toLowerCase() === 'consumers') {
      throw FlowFailure.of(
        500,
        'installation_not_supported',
        "The application's Microsoft app only accepts personal accounts, which cannot install apps into a directory.",
        `The application's developers must set the app's userAuthority to organizations or a directory (PATCH /v1/apps/${app.id}).`,
      );
    }
    const existing = await this.installations.findForTenant(
      session.projectId,
      session.tenantExternalId,
      session.provider,
    );
    return this.signInUrl(session, loaded, binding, {
      kind: 'admin_sign_in',
      authority: adminAuthority(app, existing?.directoryId ?? null),
      scopes: ADMIN_SIGN_IN_SCOPES,
      prompt: 'select_account',
    });
  }

  private async authorizeUrl(session: ConnectSessionRecord, loaded: AppWithCredentials, binding: string) {
    const { app, microsoft } = loaded;
    if (!app.userScopes.some((s) => s.toLowerCase() === 'offline_access')) {
      throw FlowFailure.of(
        500,
        'scopes_missing_offline_access',
        "The application's Microsoft app does not request offline_access, so the connection would stop working within an hour.",
        `The application's developers must add offline_access to the app's userScopes (PATCH /v1/apps/${app.id}).`,
      );
    }
    const existing =
      session.targetConnectionId !== null && session.userId !== null
        ? await this.connections.findForUser(
            session.projectId,
            session.tenantExternalId,
            session.provider,
            session.userId,
          )
        : null;
    return this.signInUrl(session, loaded, binding, {
      kind: 'authorize',
      authority: app.userAuthority,
      scopes: requestScopes(microsoft.cloud, app.userScopes),
      ...(existing?.upn ? { loginHint: existing.upn } : {}),
      // A claims challenge Microsoft answered the connection's refresh with: this sign-in must satisfy it.
      ...(existing?.statusClaims ? { claims: existing.statusClaims } : {}),
    });
  }

  /** A state (PKCE S256 verifier and nonce kept encrypted) and Microsoft's authorize URL for it. */
  private async signInUrl(
    session: ConnectSessionRecord,
    { app, microsoft }: AppWithCredentials,
    binding: string,
    request: {
      kind: 'admin_sign_in' | 'authorize';
      authority: string;
      scopes: string[];
      loginHint?: string;
      prompt?: 'select_account';
      claims?: string;
    },
  ): Promise<string> {
    const redirectUri = this.apps.callbackUri(app, request.kind);
    const pkce = createPkcePair();
    const nonce = randomToken(this.random, 24);
    const state = await this.states.issue({
      session,
      kind: request.kind,
      redirectUri,
      binding,
      codeVerifier: pkce.codeVerifier,
      nonce,
    });
    try {
      return await this.microsoft.auth.buildAuthCodeUrl({
        app: microsoft,
        authority: request.authority,
        redirectUri,
        scopes: request.scopes,
        state,
        codeChallenge: pkce.codeChallenge,
        nonce,
        ...(request.loginHint !== undefined ? { loginHint: request.loginHint } : {}),
        ...(request.prompt !== undefined ? { prompt: request.prompt } : {}),
        ...(request.claims !== undefined ? { claims: request.claims } : {}),
      });
    } catch (error) {
      throw FlowFailure.fromMicrosoft((error instanceof MicrosoftError ? error : toMicrosoftError(error)).failure);
    }
  }
}
