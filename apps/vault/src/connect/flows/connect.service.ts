import { Inject, Injectable, Logger } from '@nestjs/common';
import { createPkcePair, MicrosoftError, toMicrosoftError } from '@authpipe/microsoft';
import { RANDOM, randomToken, type Random } from '../../common/random';
import type { AppWithCredentials } from '../../apps/apps.service';
import { ConnectSessionsService } from '../sessions/connect-sessions.service';
import type { ConnectSessionRecord } from '../sessions/connect-sessions.repository';
import { ConnectionsService } from '../../connections/connections.service';
import { InstallationsService } from '../../installations/installations.service';
import { ADMIN_SIGN_IN_SCOPES, adminAuthority } from './admin-sign-in.service';
import { continueToken, isContinueToken, newBindingValue } from '../states/browser-binding';
import { openerWarning, type CompletionTarget, type FlowResponse } from '../pages/completion';
import { renderPage } from '../pages/pages';
import { EventsService } from '../../events/events.service';
import { ProvidersRegistry } from '../../providers/providers.registry';
import { FlowAppsService } from './flow-apps.service';
import { FlowFailure } from './flow-failure';
import { FlowRuns, type FlowRun } from './flow-run';
import { FlowStatesService } from '../states/flow-states.service';
import { MicrosoftGateway } from '../../microsoft/microsoft-gateway';
import { requestScopes } from '../../microsoft/scopes';

/** An answer of the start page, and the binding cookie to (re)set with it. */
export interface ConnectStart {
  response: FlowResponse;
  /** Set as the browser-binding cookie when present. */
  binding: string | null;
}

/** What the browser brought to a start: the session token, its binding, the continue value, the opener. */
export interface StartRequest {
  provider: string;
  token: string | undefined;
  binding: string | null;
  /** `continue` of the start page's link (GET /connect/:provider/continue). */
  continueToken?: string | undefined;
  /** The opener's origin: the Referer of the start page, carried by its link. */
  opener?: string | undefined;
  /**
   * `mode` of the start URL (set by @authpipe/react): runs this attempt in popup or redirect mode
   * whatever mode the session was created with, so one session serves a popup and, when the
   * browser blocks it, a redirect (which needs the session's returnTo).
   */
  mode?: 'popup' | 'redirect' | undefined;
}

/**
 * GET /connect/:provider?session=…: checks the connect session and the app, then shows the person
 * what they are about to connect (the application, the organisation, the user) before anything is
 * sent to Microsoft. Its "Continue" link (GET /connect/:provider/continue) only works in the same
 * browser: it is derived from the browser's binding cookie, so a connect link sent to someone
 * else always lands on that page first. Continuing starts the authorization code flow with PKCE
 * S256, state and nonce, `prompt=select_account` — for an installation's admin (then sent on to
 * admin consent) or for a user — and sets the session's older attempts in this browser aside.
 * Every configuration problem is shown before any redirect.
 */
@Injectable()
export class ConnectService {
  private readonly logger = new Logger('ConnectFlow');

  constructor(
    private readonly sessions: ConnectSessionsService,
    private readonly states: FlowStatesService,
    private readonly apps: FlowAppsService,
    private readonly runs: FlowRuns,
    private readonly installations: InstallationsService,
    private readonly connections: ConnectionsService,
    private readonly microsoft: MicrosoftGateway,
    private readonly providers: ProvidersRegistry,
    private readonly events: EventsService,
    @Inject(RANDOM) private readonly random: Random,
  ) {}

  /** The start page: what is being connected, and a Continue link bound to this browser. */
  async show(request: StartRequest): Promise<ConnectStart> {
    const run = this.runs.start();
    const binding = request.binding ?? newBindingValue(this.random);
    const response = await run.execute(async () => {
      const { session, loaded } = await this.check(run, request);
      return { kind: 'page', page: this.startPage(session, loaded, request, binding, run) } satisfies FlowResponse;
    });
    return { response, binding: response.kind === 'page' && response.page.status === 200 ? binding : null };
  }

  /** The start page's Continue: a new attempt in this browser, sent to Microsoft's sign-in. */
  async proceed(request: StartRequest): Promise<ConnectStart> {
    const token = request.token ?? '';
    if (!isContinueToken(request.continueToken, request.binding, token)) {
      // Not this browser's link (forwarded, or the cookie expired): show what it is first.
      return this.show(request);
    }
    const binding = request.binding!;
    const run = this.runs.start();
    const response = await run.execute(async () => {
      const { session, loaded } = await this.check(run, request);
      const opener = await this.checkOpener(session, loaded, request.opener);
      const url =
        session.credentialFor === 'installation'
          ? await this.adminSignInUrl(session, loaded, binding, opener)
          : await this.authorizeUrl(session, loaded, binding, opener);
      return { kind: 'redirect', location: this.microsoft.forBrowser(url) } satisfies FlowResponse;
    });
    return { response, binding: response.kind === 'redirect' ? binding : null };
  }

  /** The session, its provider and its app, checked before anything is shown or sent. */
  private async check(run: FlowRun, request: StartRequest) {
    // A mistyped provider or a link cut short are named as such, not as an unknown session.
    this.providers.get(request.provider);
    if (request.token === undefined || request.token === '') {
      throw FlowFailure.of(
        400,
        'connect_session_missing',
        'The connect URL has no session: it must end with ?session=<token> as returned by POST /v1/connect-sessions.',
        'Open the url returned by POST /v1/connect-sessions as it is.',
      );
    }
    const session = await this.withMode(await this.sessions.verify(request.token), request.mode);
    const loaded = await this.apps.loadFor(run, session);
    if (session.provider !== request.provider) {
      throw FlowFailure.of(
        400,
        'provider_mismatch',
        `This connect session is for ${session.provider}, not ${request.provider}.`,
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
    // Configuration problems are shown now, before the person is asked to continue.
    this.apps.callbackUri(loaded.app, session.credentialFor === 'installation' ? 'admin_sign_in' : 'authorize');
    if (session.credentialFor === 'user') requireOfflineAccess(loaded.app);
    return { session, loaded };
  }

  /**
   * The session set to run in `mode` from now on (its flow reads the mode when it completes), or
   * unchanged when `mode` is absent or already its own. Popup mode is always possible (a session
   * is created only with allowed origins to post to, or with an allowed returnTo); redirect mode
   * needs the session's returnTo.
   */
  private async withMode(
    session: ConnectSessionRecord,
    mode: 'popup' | 'redirect' | undefined,
  ): Promise<ConnectSessionRecord> {
    if (mode === undefined || mode === session.mode) return session;
    if (mode === 'redirect' && session.returnTo === null) {
      throw FlowFailure.of(
        400,
        'redirect_mode_unavailable',
        'This connect session has no return address, so it can only run in a popup.',
        "The application's developers must create the connect session with returnTo (POST /v1/connect-sessions) to allow redirect mode.",
      );
    }
    await this.sessions.setMode(session, mode);
    return { ...session, mode };
  }

  private startPage(
    session: ConnectSessionRecord,
    loaded: AppWithCredentials & { target: CompletionTarget },
    request: StartRequest,
    binding: string,
    run: FlowRun,
  ) {
    const installation = session.credentialFor === 'installation';
    const provider = this.providers.list().find((p) => p.id === session.provider)?.name ?? session.provider;
    const next = new URLSearchParams({
      session: request.token ?? '',
      continue: continueToken(binding, request.token ?? ''),
    });
    const opener = originOf(request.opener);
    if (opener !== null) next.set('opener', opener);
    const warning = openerWarning({ ...loaded.target, openerOrigin: opener });
    return renderPage(
      {
        status: 200,
        title: installation
          ? `Install ${session.projectName} in your Microsoft organisation`
          : `Connect your Microsoft account to ${session.projectName}`,
        paragraphs: [
          installation
            ? `${session.projectName} asks an administrator of your Microsoft organisation to give it access to ${provider}.`
            : `${session.projectName} asks for access to your files in ${provider}.`,
          'Microsoft will ask you to choose an account. Continue only if you started this from that application yourself; if someone sent you this link, close this window.',
        ],
        facts: [
          { label: 'Application', value: session.projectName },
          { label: 'Organisation', value: session.tenantExternalId },
          ...(session.userId !== null ? [{ label: 'User', value: session.userId }] : []),
        ],
        links: [
          {
            href: `/connect/${encodeURIComponent(session.provider)}/continue?${next.toString()}`,
            label: 'Continue to Microsoft',
            primary: true,
          },
        ],
        ...(warning ? { data: { openerWarning: warning }, script: START_SCRIPT } : {}),
      },
      run.random,
    );
  }

  /**
   * A popup opened by a page that is not an allowed origin cannot receive its result: said now in
   * the log and as an event (the result page says it again in the browser console).
   */
  private async checkOpener(
    session: ConnectSessionRecord,
    { app }: AppWithCredentials,
    openerValue: string | undefined,
  ): Promise<string | null> {
    const opener = originOf(openerValue);
    if (opener === null || session.mode !== 'popup' || app.allowedOrigins.includes(opener)) return opener;
    this.logger.warn(
      { sessionId: session.id, appId: app.id, openerOrigin: opener, allowedOrigins: app.allowedOrigins },
      "A popup flow was opened by a page whose origin is not one of the app's allowed origins: its result cannot be posted there",
    );
    await this.events.append(session.projectId, session.tenantExternalId, 'connect_session.opener_not_allowed', {
      sessionId: session.id,
      appId: app.id,
      openerOrigin: opener,
      allowedOrigins: [...app.allowedOrigins],
      remediation: `Add ${opener} to the app's allowedOrigins (PATCH /v1/apps/${app.id}).`,
    });
    return opener;
  }

  /**
   * An installation starts with the admin signing in (openid only): the verified id_token, not the
   * consent callback's query string, establishes which directory is being installed. Re-consent
   * signs in at the installation's own directory; a first install lets the admin's directory
   * decide (organizations), never common: a personal account cannot install.
   */
  private async adminSignInUrl(
    session: ConnectSessionRecord,
    loaded: AppWithCredentials,
    binding: string,
    openerOrigin: string | null,
  ) {
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
    return this.signInUrl(session, loaded, binding, openerOrigin, {
      kind: 'admin_sign_in',
      authority: adminAuthority(app, existing?.directoryId ?? null),
      scopes: ADMIN_SIGN_IN_SCOPES,
      prompt: 'select_account',
    });
  }

  private async authorizeUrl(
    session: ConnectSessionRecord,
    loaded: AppWithCredentials,
    binding: string,
    openerOrigin: string | null,
  ) {
    const { app, microsoft } = loaded;
    requireOfflineAccess(app);
    const existing =
      session.targetConnectionId !== null && session.userId !== null
        ? await this.connections.findForUser(
            session.projectId,
            session.tenantExternalId,
            session.provider,
            session.userId,
          )
        : null;
    return this.signInUrl(session, loaded, binding, openerOrigin, {
      kind: 'authorize',
      authority: app.userAuthority,
      scopes: requestScopes(microsoft.cloud, app.userScopes),
      // The person chooses the account on Microsoft's page rather than being signed in silently
      // with whichever account the browser holds.
      prompt: 'select_account',
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
    openerOrigin: string | null,
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
      supersedeOthers: true,
      openerOrigin,
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

// Fixed script of a start page whose opener is not an allowed origin: says so in the console.
const START_SCRIPT = `(function(){var d=JSON.parse(document.getElementById('authpipe-data').textContent);if(d.openerWarning){console.error(d.openerWarning);}})();`;

/** The origin of a URL or origin string (an http(s) opener), or null. */
function originOf(value: string | undefined): string | null {
  if (value === undefined || value.length > 2000) return null;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.origin : null;
  } catch {
    return null;
  }
}

/** A user flow without offline_access would stop working within the hour: refused before it starts. */
function requireOfflineAccess(app: AppWithCredentials['app']): void {
  if (app.userScopes.some((s) => s.toLowerCase() === 'offline_access')) return;
  throw FlowFailure.of(
    500,
    'scopes_missing_offline_access',
    "The application's Microsoft app does not request offline_access, so the connection would stop working within an hour.",
    `The application's developers must add offline_access to the app's userScopes (PATCH /v1/apps/${app.id}).`,
  );
}
