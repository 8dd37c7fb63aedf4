import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { createPkcePair, MicrosoftError, resolveCloud, toMicrosoftError } from '@authpipe/microsoft';
import { cloudOf } from '../apps/app-credentials';
import type { AppWithCredentials } from '../apps/apps.service';
import { ConnectSessionsService } from '../connect-sessions/connect-sessions.service';
import type { ConnectSessionRecord } from '../connect-sessions/connect-sessions.repository';
import { ConnectionsService } from '../connections/connections.service';
import { InstallationsService } from '../installations/installations.service';
import { newBindingValue } from '../oauth/browser-binding';
import type { FlowResponse } from '../oauth/completion';
import { FlowAppsService } from '../oauth/flow-apps';
import { FlowFailure } from '../oauth/flow-failure';
import { FlowRuns } from '../oauth/flow-run';
import { FlowStatesService } from '../oauth/flow-states.service';
import { MicrosoftGateway } from '../microsoft/microsoft-gateway';
import { requestScopes } from '../oauth/user-scopes';

const MULTI_TENANT = new Set(['common', 'organizations', 'consumers']);

/** The start of a flow: where to send the browser, and the binding cookie to set when it goes. */
export interface ConnectStart {
  response: FlowResponse;
  /** Set as the browser-binding cookie when present. */
  binding: string | null;
}

/**
 * GET /connect/:provider?session=…: checks the connect session and the app, then sends the
 * browser to Microsoft — admin consent for installations, the authorization code flow with PKCE
 * S256, state and nonce for users. Every configuration problem is shown before any redirect.
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
      binding = newBindingValue();
      const url =
        session.credentialFor === 'installation'
          ? await this.adminConsentUrl(session, loaded, binding)
          : await this.authorizeUrl(session, loaded, binding);
      return { kind: 'redirect', location: this.microsoft.forBrowser(url) } satisfies FlowResponse;
    });
    return { response, binding: response.kind === 'redirect' ? binding : null };
  }

  private async adminConsentUrl(
    session: ConnectSessionRecord,
    { app, microsoft }: AppWithCredentials,
    binding: string,
  ): Promise<string> {
    const redirectUri = this.apps.callbackUri(app, 'admin_consent');
    // Re-consent goes to the installation's own directory; a first install lets the admin's
    // directory decide (organizations), never common.
    const existing = await this.installations.findForTenant(
      session.projectId,
      session.tenantExternalId,
      session.provider,
    );
    const tenant = existing?.directoryId ?? (MULTI_TENANT.has(app.userAuthority) ? 'organizations' : app.userAuthority);
    const state = await this.states.issue({ session, kind: 'admin_consent', redirectUri, binding });
    return this.microsoft.auth.adminConsentUrl({
      app: microsoft,
      tenant,
      redirectUri,
      state,
      scope: resolveCloud(cloudOf(app)).graphDefaultScope,
    });
  }

  private async authorizeUrl(
    session: ConnectSessionRecord,
    { app, microsoft }: AppWithCredentials,
    binding: string,
  ): Promise<string> {
    if (!app.userScopes.some((s) => s.toLowerCase() === 'offline_access')) {
      throw FlowFailure.of(
        500,
        'scopes_missing_offline_access',
        "The application's Microsoft app does not request offline_access, so the connection would stop working within an hour.",
        `The application's developers must add offline_access to the app's userScopes (PATCH /v1/apps/${app.id}).`,
      );
    }
    const redirectUri = this.apps.callbackUri(app, 'authorize');
    const pkce = createPkcePair();
    const nonce = randomBytes(24).toString('base64url');
    const existing =
      session.targetConnectionId !== null && session.userId !== null
        ? await this.connections.findForUser(
            session.projectId,
            session.tenantExternalId,
            session.provider,
            session.userId,
          )
        : null;
    const state = await this.states.issue({
      session,
      kind: 'authorize',
      redirectUri,
      binding,
      codeVerifier: pkce.codeVerifier,
      nonce,
    });
    try {
      return await this.microsoft.auth.buildAuthCodeUrl({
        app: microsoft,
        authority: app.userAuthority,
        redirectUri,
        scopes: requestScopes(microsoft.cloud, app.userScopes),
        state,
        codeChallenge: pkce.codeChallenge,
        nonce,
        ...(existing?.upn ? { loginHint: existing.upn } : {}),
      });
    } catch (error) {
      throw FlowFailure.fromMicrosoft((error instanceof MicrosoftError ? error : toMicrosoftError(error)).failure);
    }
  }
}
