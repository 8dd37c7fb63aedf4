import { Inject, Injectable } from '@nestjs/common';
import { MicrosoftError, resolveCloud, toMicrosoftError } from '@authpipe/microsoft';
import { decodeJwt } from 'jose';
import { z } from 'zod';
import type { ConnectSessionRecord } from '../sessions/connect-sessions.repository';
import { EventsService } from '../../events/events.service';
import { DirectoryAlreadyInstalledError } from '../../installations/installations.repository';
import { InstallationsService, type ConsentResult } from '../../installations/installations.service';
import { cloudOf } from '../../apps/app-credentials';
import { microsoftRedirectError, type CallbackQuery } from './callback-query';
import { completeSuccess, messageBase, type FlowResponse } from '../pages/completion';
import { FlowAppsService, isAppCredentialFailure } from './flow-apps.service';
import { FlowFailure } from './flow-failure';
import { FlowRuns, type FlowRun } from './flow-run';
import { FlowStatesService } from '../states/flow-states.service';
import { MicrosoftGateway } from '../../microsoft/microsoft-gateway';
import { RANDOM, type Random } from '../../common/random';
import { refreshAtFor } from '../../common/refresh-at';
import { refuseInstalledDirectory } from './directory-refusal';
import { resolveResource } from './resource-resolver';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Claims read from the app-only token the token endpoint just returned to us over TLS.
const appTokenClaimsSchema = z.looseObject({ tid: z.string(), roles: z.array(z.string()).optional() });

/**
 * /oauth/admin-consent/callback: Microsoft says an admin consented for a directory. The query
 * string is unauthenticated (anyone can type `tenant=<another directory>`), so it is only
 * accepted when it names the directory the admin's verified sign-in proved, which this flow's
 * state carries (see AdminSignInService). The consent itself is then proven: an app-only token is
 * acquired for that directory with the app's own credential and its `tid` must be that directory.
 * Then the resource is resolved with Graph and, only after every check passed, the installation
 * is written, claiming the directory for this tenant unless the project allows sharing.
 */
@Injectable()
export class AdminConsentService {
  constructor(
    private readonly states: FlowStatesService,
    private readonly apps: FlowAppsService,
    private readonly runs: FlowRuns,
    private readonly installations: InstallationsService,
    private readonly microsoft: MicrosoftGateway,
    private readonly events: EventsService,
    @Inject(RANDOM) private readonly random: Random,
  ) {}

  async handle(query: CallbackQuery, binding: string | null): Promise<FlowResponse> {
    const run = this.runs.start();
    return run.execute(async () => {
      const { session, state } = await this.states.take(query.state, 'admin_consent', binding);
      const { app, microsoft, target: completion } = await this.apps.loadFor(run, session, state.openerOrigin);
      if (query.error !== undefined) throw microsoftRedirectError(query, 'admin_consent_denied');
      if (query.admin_consent?.toLowerCase() !== 'true') {
        throw FlowFailure.of(403, 'admin_consent_denied', 'The administrator did not grant consent to the app.');
      }
      const directory = query.tenant ?? '';
      if (!GUID.test(directory))
        throw FlowFailure.of(400, 'tenant_mismatch', 'Microsoft did not name the directory that granted consent.');
      if (state.directoryId === null || directory.toLowerCase() !== state.directoryId) {
        throw FlowFailure.of(
          403,
          'tenant_mismatch',
          'The consent reply names another Microsoft organisation than the administrator signed in with.',
          'Start again from the application and approve the app with an administrator of your own organisation.',
        );
      }

      const cloud = cloudOf(app);
      let token;
      try {
        token = await this.microsoft.auth.acquireAppToken({
          app: microsoft,
          tenantId: directory,
          scopes: [resolveCloud(cloud).graphDefaultScope],
          skipCache: true,
        });
      } catch (error) {
        const failure = (error instanceof MicrosoftError ? error : toMicrosoftError(error)).failure;
        if (isAppCredentialFailure(failure)) await this.apps.markMisconfigured(app, failure);
        throw FlowFailure.fromMicrosoft(failure);
      }
      const claims = appTokenClaimsSchema.safeParse(decodeJwt(token.accessToken));
      if (!claims.success || claims.data.tid.toLowerCase() !== directory.toLowerCase()) {
        throw FlowFailure.of(
          403,
          'tenant_mismatch',
          'The consent could not be proven for the directory Microsoft named.',
        );
      }
      const target = await this.installations.findForTenant(
        session.projectId,
        session.tenantExternalId,
        session.provider,
      );
      if (target !== null && target.directoryId.toLowerCase() !== directory.toLowerCase()) {
        throw FlowFailure.of(
          409,
          'directory_mismatch',
          'This organisation is already installed from another Microsoft directory; consent must come from that same directory.',
          'Sign in with an administrator of the directory the app was first installed in, or delete the installation first to move it.',
        );
      }
      const resource = await resolveResource(this.microsoft.graph, cloud, token.accessToken, session.resource);
      const exclusiveDirectory = !(await this.installations.allowsSharedDirectories(session.projectId));
      const { installation } = await this.write(run, session, {
        projectId: session.projectId,
        tenantId: session.tenantExternalId,
        sessionId: session.id,
        accessToken: token.accessToken,
        appId: app.id,
        provider: session.provider,
        directoryId: claims.data.tid.toLowerCase(),
        cloud: app.cloud,
        resourceKind: resource.kind,
        resourceDriveId: resource.driveId,
        resourceSiteId: resource.siteId,
        resourceUser: resource.user,
        resourceWebUrl: resource.webUrl,
        scopes: claims.data.roles ?? [],
        consentedAt: new Date(run.now()),
        // Microsoft's admin-consent reply does not say who consented: the admin who signed in did.
        consentedBy: state.adminUpn,
        expiresAt: token.expiresOn,
        // The scheduler's rule (expiry − lead − jitter), as after every refresh.
        refreshAt: refreshAtFor(run.now(), token.expiresOn, this.random),
        exclusiveDirectory,
      });
      return completeSuccess(
        completion,
        {
          ...messageBase(session),
          status: 'success',
          installationId: installation.id,
          account: { upn: state.adminUpn, tid: installation.directoryId },
        },
        { appName: session.projectName, accountUpn: state.adminUpn },
        run.random,
      );
    });
  }

  /** Writes the installation; a directory another tenant claimed meanwhile is refused, with an event. */
  /** Writes the installation, using the session up in the same unit of work. */
  private async write(
    run: FlowRun,
    session: ConnectSessionRecord,
    result: ConsentResult,
  ): ReturnType<InstallationsService['upsertFromConsent']> {
    try {
      return await this.installations.upsertFromConsent(result, () => run.consumeSession());
    } catch (error) {
      if (!(error instanceof DirectoryAlreadyInstalledError)) throw error;
      throw await refuseInstalledDirectory(this.events, session, result.directoryId, null);
    }
  }
}
