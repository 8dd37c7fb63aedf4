import { Inject, Injectable } from '@nestjs/common';
import type { MicrosoftFailure } from '@authpipe/microsoft';
import type { ProviderAppRecord } from '../../apps/apps.repository';
import { AppsService, type AppWithCredentials } from '../../apps/apps.service';
import type { VaultConfig } from '../../config/config.schema';
import { VAULT_CONFIG } from '../../config/config.module';
import type { ConnectSessionRecord } from '../sessions/connect-sessions.repository';
import { FlowFailure } from './flow-failure';
import type { CompletionTarget } from '../pages/completion';
import type { FlowRun } from './flow-run';
import type { OAuthStateKind } from '../states/oauth-states.repository';

const CALLBACK_PATHS: Record<OAuthStateKind, string> = {
  admin_sign_in: '/oauth/callback',
  admin_consent: '/oauth/admin-consent/callback',
  authorize: '/oauth/callback',
};

/** The failures that prove the app's own credential is broken (wrong or expired secret, unknown certificate). */
export function isAppCredentialFailure(failure: MicrosoftFailure): boolean {
  return failure.kind === 'misconfigured' && failure.action === 'fix_app_credentials';
}

/** The provider app side of the flows: loading it with its credential, its callback URIs, its health. */
@Injectable()
export class FlowAppsService {
  constructor(
    private readonly apps: AppsService,
    @Inject(VAULT_CONFIG) private readonly config: VaultConfig,
  ) {}

  /** The app with its decrypted credential. */
  load(projectId: string, appId: string): Promise<AppWithCredentials> {
    return this.apps.getWithCredentials(projectId, appId);
  }

  /** The app's record without its credential (null when deleted meanwhile). */
  async findApp(projectId: string, appId: string): Promise<ProviderAppRecord | null> {
    return this.apps.find(projectId, appId).catch(() => null);
  }

  /**
   * Attaches the session to the run and loads its app, so from here on a failure completes
   * towards the session's opener or returnTo, checked against the app's allowed origins.
   */
  async loadFor(
    run: FlowRun,
    session: ConnectSessionRecord,
    openerOrigin: string | null = null,
  ): Promise<AppWithCredentials & { target: CompletionTarget }> {
    run.attach(session);
    const loaded = await this.load(session.projectId, session.appId);
    const target = {
      mode: session.mode,
      returnTo: session.returnTo,
      allowedOrigins: loaded.app.allowedOrigins,
      openerOrigin,
    };
    run.target = target;
    return { ...loaded, target };
  }

  /**
   * The callback URI of this vault registered on the app: this vault's own URL first, else any
   * registered URI with the callback's path (a vault behind a proxy under another name).
   *
   * @throws FlowFailure redirect_uri_not_registered before anything is sent to Microsoft.
   */
  callbackUri(app: ProviderAppRecord, kind: OAuthStateKind): string {
    const own = `${this.config.publicUrl}${CALLBACK_PATHS[kind]}`;
    if (app.redirectUris.includes(own)) return own;
    const other = app.redirectUris.find((uri) => new URL(uri).pathname === CALLBACK_PATHS[kind]);
    if (other !== undefined) return other;
    throw FlowFailure.of(
      500,
      'redirect_uri_not_registered',
      `The application's Microsoft app has no redirect URI for ${CALLBACK_PATHS[kind]}, so Microsoft could not send the sign-in back here.`,
      `The application's developers must add ${own} to the app's redirect URIs in Entra ID and in Authpipe (PATCH /v1/apps/${app.id}).`,
    );
  }

  /** Records that Microsoft refused the app's own credential during a flow (see AppsService). */
  async markMisconfigured(app: ProviderAppRecord, failure: MicrosoftFailure): Promise<void> {
    await this.apps.markMisconfigured(app, failure, 'flow');
  }
}
