import { Inject, Injectable } from '@nestjs/common';
import { KEEP_ALIVE_MS } from '@authpipe/contract';
import { IdTokenError, MicrosoftError, toMicrosoftError, type UserTokens } from '@authpipe/microsoft';
import { cloudOf } from '../../apps/app-credentials';
import type { AppWithCredentials } from '../../apps/apps.service';
import type { ConnectSessionRecord } from '../sessions/connect-sessions.repository';
import { ConnectionsService } from '../../connections/connections.service';
import { InstallationsService } from '../../installations/installations.service';
import { microsoftRedirectError, type CallbackQuery } from './callback-query';
import { completeSuccess, messageBase, type FlowResponse } from '../pages/completion';
import { FlowAppsService, isAppCredentialFailure } from './flow-apps.service';
import { FlowFailure } from './flow-failure';
import { FlowRuns } from './flow-run';
import { FlowStatesService } from '../states/flow-states.service';
import { MicrosoftGateway } from '../../microsoft/microsoft-gateway';
import { grantedScopes, requestScopes } from '../../microsoft/scopes';
import { RANDOM, type Random } from '../../common/random';
import { refreshAtFor } from '../../common/refresh-at';

/** The directory every personal Microsoft account belongs to. */
export const CONSUMERS_TENANT_ID = '9188040d-6c67-4c5b-b112-36a304b66dad';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * /oauth/callback: redeems the code with the PKCE verifier, verifies the id_token (signature,
 * iss, aud, exp, nonce, tid), checks the account may connect into this tenant, and only then
 * stores the connection with its access and refresh tokens.
 */
@Injectable()
export class UserAuthorizationService {
  constructor(
    private readonly states: FlowStatesService,
    private readonly apps: FlowAppsService,
    private readonly runs: FlowRuns,
    private readonly installations: InstallationsService,
    private readonly connections: ConnectionsService,
    private readonly microsoft: MicrosoftGateway,
    @Inject(RANDOM) private readonly random: Random,
  ) {}

  async handle(query: CallbackQuery, binding: string | null): Promise<FlowResponse> {
    const run = this.runs.start();
    return run.execute(async () => {
      const { session, state, codeVerifier, nonce } = await this.states.take(query.state, 'authorize', binding);
      const loaded = await this.apps.loadFor(run, session, state.openerOrigin);
      const { app } = loaded;
      if (query.error !== undefined) throw microsoftRedirectError(query, 'access_denied');
      if (query.code === undefined || query.code === '')
        throw FlowFailure.of(400, 'code_missing', 'Microsoft sent no authorization code back.');
      if (codeVerifier === null || nonce === null || session.userId === null)
        throw new Error('A user-flow state lacks its verifier, nonce or user');

      const tokens = await this.redeem(loaded, {
        code: query.code,
        codeVerifier,
        nonce,
        redirectUri: state.redirectUri,
      });
      const cloud = cloudOf(app);
      let claims;
      try {
        claims = await this.microsoft.idTokens.verify({
          idToken: tokens.idToken ?? '',
          cloud,
          authority: app.userAuthority,
          clientId: app.clientId,
          nonce,
          ...(GUID.test(app.userAuthority) ? { expectedTenantId: app.userAuthority } : {}),
        });
      } catch (error) {
        if (!(error instanceof IdTokenError)) throw error;
        throw FlowFailure.of(502, 'id_token_invalid', `Microsoft's sign-in proof did not verify (${error.reason}).`);
      }
      const tid = claims.tid.toLowerCase();
      const installation = await this.installations.findForTenant(
        session.projectId,
        session.tenantExternalId,
        session.provider,
      );
      if (
        tid === CONSUMERS_TENANT_ID &&
        (installation !== null || !['common', 'consumers'].includes(app.userAuthority))
      ) {
        throw FlowFailure.of(
          403,
          'personal_account_not_allowed',
          'A personal Microsoft account cannot connect here: this organisation uses work or school accounts.',
          'Sign in with your work or school account: close this window and start again from the application.',
        );
      }
      if (installation !== null && installation.directoryId.toLowerCase() !== tid) {
        throw FlowFailure.of(
          403,
          'directory_mismatch',
          'The account you signed in with belongs to another Microsoft organisation than the one this app was installed in.',
          'Sign in with an account of your organisation: close this window and start again from the application.',
        );
      }
      await this.refuseAccountChange(session, claims.oid);
      if (tokens.refreshToken === null) {
        throw FlowFailure.of(
          502,
          'refresh_token_missing',
          'Microsoft issued no refresh token, so the connection could not stay active.',
          "The application's developers must request offline_access in the app's user scopes.",
        );
      }
      const now = run.now();
      // The connection is written in the same unit of work that uses the session up.
      const { connection } = await this.connections.upsertFromCode(
        {
          projectId: session.projectId,
          tenantId: session.tenantExternalId,
          userId: session.userId,
          sessionId: session.id,
          accessToken: tokens.accessToken,
          refreshToken: tokens.refreshToken,
          appId: app.id,
          provider: session.provider,
          installationId: installation?.id ?? null,
          oid: claims.oid,
          tid,
          upn: claims.preferred_username ?? tokens.account.upn ?? null,
          scopes: grantedScopes(cloud, tokens.scopes),
          expiresAt: tokens.expiresOn,
          // The scheduler's rule (expiry − lead − jitter), as after every refresh.
          refreshAt: refreshAtFor(now, tokens.expiresOn, this.random),
          keepAliveAt: new Date(now + KEEP_ALIVE_MS),
        },
        () => run.consumeSession(),
      );
      return completeSuccess(
        loaded.target,
        {
          ...messageBase(session),
          status: 'success',
          connectionId: connection.id,
          account: { upn: connection.upn, tid },
        },
        { appName: session.projectName, accountUpn: connection.upn },
        run.random,
      );
    });
  }

  /**
   * A user who already has a connection must re-authorize it with the same Microsoft account
   * (same oid), unless the session allowed a change: a connect link opened in someone else's
   * browser cannot swap their account in under this user's connection.
   */
  private async refuseAccountChange(session: ConnectSessionRecord, oid: string): Promise<void> {
    if (session.allowAccountChange || session.userId === null) return;
    const existing = await this.connections.findForUser(
      session.projectId,
      session.tenantExternalId,
      session.provider,
      session.userId,
    );
    if (existing === null || existing.oid === oid) return;
    throw FlowFailure.of(
      403,
      'account_mismatch',
      'This user is already connected with another Microsoft account than the one signed in with now.',
      'Sign in with the account connected before. To connect another account, the application creates the connect session with allowAccountChange: true.',
    );
  }

  private async redeem(
    { app, microsoft }: AppWithCredentials,
    params: { code: string; codeVerifier: string; nonce: string; redirectUri: string },
  ): Promise<UserTokens> {
    try {
      return await this.microsoft.auth.redeemCode({
        app: microsoft,
        authority: app.userAuthority,
        redirectUri: params.redirectUri,
        scopes: requestScopes(microsoft.cloud, app.userScopes),
        code: params.code,
        codeVerifier: params.codeVerifier,
        nonce: params.nonce,
      });
    } catch (error) {
      const failure = (error instanceof MicrosoftError ? error : toMicrosoftError(error)).failure;
      if (isAppCredentialFailure(failure)) await this.apps.markMisconfigured(app, failure);
      throw FlowFailure.fromMicrosoft(failure);
    }
  }
}
