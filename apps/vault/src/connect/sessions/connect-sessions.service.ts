import { Inject, Injectable } from '@nestjs/common';
import { ApiError } from '../../common/api-error';
import { CLOCK, type Clock } from '../../common/clock';
import { parseInput } from '../../common/zod-validation.pipe';
import type { VaultConfig } from '../../config/config.schema';
import { VAULT_CONFIG } from '../../config/config.module';
import { AppsRepository, type ProviderAppRecord } from '../../apps/apps.repository';
import { isAllowedReturnTo } from '../../apps/url-rules';
import { ConnectionsService } from '../../connections/connections.service';
import { EventsService } from '../../events/events.service';
import { IDS, type IdGenerator } from '../../common/id-generator';
import { RANDOM, type Random } from '../../common/random';
import { asTenantExternalId, type TenantExternalId } from '../../common/tenant-ids';
import { UnitOfWork } from '../../database/unit-of-work';
import { InstallationsService } from '../../installations/installations.service';
import { TenantResolver } from '../../keys/tenant-resolver';
import { FlowError } from '../../providers/flow-error';
import type { ProviderDefinition } from '../../providers/provider.types';
import { ProvidersRegistry } from '../../providers/providers.registry';
import {
  createConnectSessionSchema,
  type ConnectSessionCreatedDto,
  type CreateConnectSessionInput,
} from './connect-session.dto';
import { ConnectSessionsRepository, type ConnectSessionRecord } from './connect-sessions.repository';
import { hashSessionToken, looksLikeSessionToken, newSessionToken } from './session-token';

/**
 * Connect sessions: short-lived, single-use tokens a project's backend mints so its frontend can
 * start an install or connect flow for one tenant (and user) without holding the API key.
 */
@Injectable()
export class ConnectSessionsService {
  constructor(
    private readonly sessions: ConnectSessionsRepository,
    private readonly apps: AppsRepository,
    private readonly providers: ProvidersRegistry,
    private readonly tenants: TenantResolver,
    private readonly installations: InstallationsService,
    private readonly connections: ConnectionsService,
    private readonly events: EventsService,
    @Inject(VAULT_CONFIG) private readonly config: VaultConfig,
    @Inject(RANDOM) private readonly random: Random,
    @Inject(IDS) private readonly ids: IdGenerator,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly uow: UnitOfWork,
  ) {}

  /**
   * Mints a session. Everything a flow would fail on later is checked now: the app exists and
   * passed its last check, user scopes carry offline_access and User.Read, returnTo is under one
   * of the app's allowed origins. The tenant is created on first use. A session for a tenant (and
   * user) that already has an installation (connection) re-authorizes it in place.
   *
   * `asLink`: the session's URL is handed out as a link (getCredential's re-authorization action)
   * to be opened on its own, with no page to post to: popup mode is then allowed without allowed
   * origins (the last page says the work is done and posts to no one).
   */
  async create(projectId: string, body: unknown, { asLink = false } = {}): Promise<ConnectSessionCreatedDto> {
    const input: CreateConnectSessionInput = parseInput(createConnectSessionSchema, body);
    const provider = this.providers.get(input.provider);
    const app = await this.resolveApp(projectId, provider, input.appId);
    if (app.status === 'misconfigured') {
      throw new FlowError('app_misconfigured', `The app ${app.id} failed its last check; flows with it would fail.`, {
        remediation: app.statusRemediation ?? 'Fix the app credentials, then run POST /v1/apps/{id}/check.',
        details: { appId: app.id, aadsts: app.statusAadsts, error: app.statusError },
      });
    }
    if (input.credentialFor === 'user') this.providers.requireUserScopes(provider, app.userScopes);
    if (input.mode === 'popup' && app.allowedOrigins.length === 0 && !asLink) {
      // Caught now rather than after the user consented: the result page could post to no one.
      throw FlowError.invalid(
        'no_allowed_origins',
        'The app has no allowed origins, so a popup could not send its result to your page.',
        { appId: app.id },
        "Add your frontend's origin to the app with PATCH /v1/apps/{id} (allowedOrigins), or use mode redirect.",
      );
    }
    if (input.returnTo !== undefined && !isAllowedReturnTo(input.returnTo, app.allowedOrigins)) {
      throw FlowError.invalid(
        'return_to_not_allowed',
        "returnTo is not under one of the app's allowed origins.",
        { allowedOrigins: app.allowedOrigins },
        'Add the origin to the app with PATCH /v1/apps/{id} (allowedOrigins), or use an allowed returnTo.',
      );
    }
    const tenant = await this.tenants.resolve(projectId, asTenantExternalId(input.tenantId));
    const target = await this.findTarget(projectId, tenant.tenantExternalId, input, provider.id);
    const now = this.clock();
    const token = newSessionToken(this.random);
    // The session and its event commit together.
    const session = await this.uow.run(async () => {
      const created = await this.sessions.create(
        projectId,
        tenant.tenantRowId,
        hashSessionToken(token),
        {
          id: this.ids.next('cs'),
          appId: app.id,
          provider: provider.id,
          credentialFor: input.credentialFor,
          userId: input.userId ?? null,
          returnTo: input.returnTo ?? null,
          mode: input.mode,
          resource: input.resource ?? null,
          targetInstallationId: target.installationId,
          targetConnectionId: target.connectionId,
          allowAccountChange: input.allowAccountChange,
          expiresAt: new Date(now + input.expiresInSeconds * 1000),
        },
        new Date(now),
      );
      await this.events.appendFor(projectId, tenant, 'connect_session.created', {
        sessionId: created.id,
        appId: app.id,
        provider: provider.id,
        credentialFor: created.credentialFor,
        userId: created.userId,
        reauthorization: target.installationId !== null || target.connectionId !== null,
      });
      return created;
    });
    return {
      id: session.id,
      token,
      url: `${this.config.publicUrl}/connect/${encodeURIComponent(provider.id)}?session=${token}`,
      expiresAt: session.expiresAt.toISOString(),
    };
  }

  /**
   * The live session a browser presents: a token of the right shape, known, not consumed, not
   * expired. Malformed, tampered and unknown tokens all answer connect_session_not_found.
   *
   * @throws FlowError connect_session_not_found (404), connect_session_consumed or connect_session_expired (410).
   */
  async verify(token: string): Promise<ConnectSessionRecord> {
    const session = looksLikeSessionToken(token) ? await this.sessions.findByTokenHash(hashSessionToken(token)) : null;
    if (!session)
      throw FlowError.missing('connect_session_not_found', 'connect session; start again from the application');
    if (session.consumedAt !== null) {
      throw new FlowError(
        'connect_session_consumed',
        'This connect session was already used; start again from the application.',
      );
    }
    if (session.expiresAt.getTime() <= this.clock()) {
      throw new FlowError(
        'connect_session_expired',
        'This connect session has expired; start again from the application.',
      );
    }
    return session;
  }

  /** Sets the mode a live session's flow completes in (ConnectService checks it is possible). */
  setMode(session: ConnectSessionRecord, mode: 'popup' | 'redirect'): Promise<void> {
    return this.sessions.setMode(session.projectId, session.id, mode);
  }

  /**
   * Marks the session used when its flow completes. Returns false when it was already consumed or
   * has expired meanwhile, so the caller can refuse to store a second result.
   */
  consume(projectId: string, sessionId: string): Promise<boolean> {
    return this.sessions.consume(projectId, sessionId, new Date(this.clock()));
  }

  /**
   * Deletes sessions that expired more than `graceMs` ago, in batches of `batchSize`; returns how
   * many. For a periodic job: expired sessions are useless and only grow the table. The grace
   * keeps a just-expired session explainable to a late browser. Sessions that still have OAuth
   * states wait for those to be purged with their secrets (oauth/expired-flows.job.ts does both).
   */
  async purgeExpired(graceMs: number, batchSize = 500): Promise<number> {
    const before = new Date(this.clock() - graceMs);
    let total = 0;
    for (;;) {
      const deleted = await this.sessions.deleteExpired(before, batchSize);
      total += deleted;
      if (deleted < batchSize) return total;
    }
  }

  private async resolveApp(
    projectId: string,
    provider: ProviderDefinition,
    appId: string | undefined,
  ): Promise<ProviderAppRecord> {
    if (appId !== undefined) {
      const app = await this.apps.find(projectId, appId);
      if (!app || app.provider !== provider.id)
        throw FlowError.missing('app_not_found', `app of ${provider.id} in this project`);
      return app;
    }
    const apps = await this.apps.list(projectId, { provider: provider.id }, { limit: 2 });
    if (apps.length === 0) {
      throw new FlowError('app_not_found', `The project has no ${provider.id} app.`, {
        remediation: 'Add your Entra app with POST /v1/apps first.',
      });
    }
    if (apps.length > 1) {
      throw ApiError.invalidRequest('The project has several apps for this provider; say which one.', [
        { path: 'appId', message: 'required when the project has several apps for the provider' },
      ]);
    }
    return apps[0];
  }

  private async findTarget(
    projectId: string,
    tenantExternalId: TenantExternalId,
    input: CreateConnectSessionInput,
    provider: string,
  ): Promise<{ installationId: string | null; connectionId: string | null }> {
    if (input.credentialFor === 'installation') {
      const installation = await this.installations.findForTenant(projectId, tenantExternalId, provider);
      return { installationId: installation?.id ?? null, connectionId: null };
    }
    const connection = await this.connections.findForUser(projectId, tenantExternalId, provider, input.userId!);
    return { installationId: null, connectionId: connection?.id ?? null };
  }
}
