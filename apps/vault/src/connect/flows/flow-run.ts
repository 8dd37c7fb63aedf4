import { Inject, Injectable, Logger } from '@nestjs/common';
import { ApiError } from '../../common/api-error';
import { CLOCK, type Clock } from '../../common/clock';
import { IDS, type IdGenerator } from '../../common/id-generator';
import { RANDOM, type Random } from '../../common/random';
import type { ConnectSessionRecord } from '../sessions/connect-sessions.repository';
import { ConnectSessionsService } from '../sessions/connect-sessions.service';
import { EventsService } from '../../events/events.service';
import {
  completeFailure,
  completeSuperseded,
  failureMessage,
  messageBase,
  type CompletionTarget,
  type FlowResponse,
} from '../pages/completion';
import { FlowAppsService } from './flow-apps.service';
import { FlowFailure, FlowSuperseded } from './flow-failure';

/**
 * One callback's run: remembers the session and completion target as they become known, uses
 * the session up exactly once, and turns any failure into the failure page (with the result
 * posted to the opener or linked to returnTo when the session is known).
 */
export class FlowRun {
  session: ConnectSessionRecord | null = null;
  target: CompletionTarget | null = null;

  constructor(
    private readonly sessions: ConnectSessionsService,
    private readonly clock: Clock,
    /** The vault's randomness, for the pages this run renders (CSP nonces). */
    readonly random: Random,
    private readonly ids: IdGenerator,
    private readonly logger: Logger,
    private readonly apps: FlowAppsService,
    private readonly events: EventsService,
  ) {}

  now(): number {
    return this.clock();
  }

  attach(session: ConnectSessionRecord): void {
    this.session = session;
  }

  /**
   * Marks the session used, inside the unit of work that writes the credential (see
   * CredentialGrant.alsoInTransaction); a session completed by another flow meanwhile, or expired,
   * stops this one with nothing stored.
   */
  async consumeSession(): Promise<void> {
    const session = this.requireSession();
    if (await this.sessions.consume(session.projectId, session.id)) return;
    const expired = session.expiresAt.getTime() <= this.clock();
    throw FlowFailure.of(
      410,
      expired ? 'connect_session_expired' : 'connect_session_consumed',
      expired
        ? 'The connect session expired before the sign-in finished.'
        : 'This connect session was already used by another sign-in.',
    );
  }

  async execute(body: () => Promise<FlowResponse>): Promise<FlowResponse> {
    try {
      return await body();
    } catch (error) {
      if (error instanceof FlowSuperseded) return this.superseded(error);
      const failure = this.toFailure(error);
      // A failed attempt uses its session up too: a retry starts from the application with a new
      // one. (Conditional: a session already used stays as it is; one whose use rolled back with
      // the failed write is used up here.)
      if (this.session !== null)
        await this.sessions.consume(this.session.projectId, this.session.id).catch(() => false);
      const s = this.session;
      if (s !== null) await this.recordFailure(s, failure);
      const message = s ? failureMessage(messageBase(s), failure.info) : null;
      return completeFailure(this.target, message, failure.info, failure.status, this.random, {
        credentialFor: s?.credentialFor ?? null,
        appName: s?.projectName ?? null,
      });
    }
  }

  /** The page of a set-aside attempt: posts `superseded` to the opener; the session stays usable. */
  private async superseded({ session, openerOrigin }: FlowSuperseded): Promise<FlowResponse> {
    const app = await this.apps.findApp(session.projectId, session.appId);
    const target: CompletionTarget | null = app
      ? { mode: session.mode, returnTo: session.returnTo, allowedOrigins: app.allowedOrigins, openerOrigin }
      : null;
    return completeSuperseded(target, { ...messageBase(session), status: 'superseded' }, this.random);
  }

  /**
   * The failure as an event: the developers' explanation (message, remediation, codes) is kept
   * here and in the opener's message, not on the person's page. Never fails the page.
   */
  private async recordFailure(session: ConnectSessionRecord, failure: FlowFailure): Promise<void> {
    try {
      await this.events.append(session.projectId, session.tenantExternalId, 'connect_session.failed', {
        sessionId: session.id,
        provider: session.provider,
        credentialFor: session.credentialFor,
        userId: session.userId,
        code: failure.info.code,
        message: failure.info.message,
        remediation: failure.info.remediation,
        aadsts: failure.info.aadsts ?? null,
      });
    } catch (error) {
      this.logger.error({ err: error, sessionId: session.id }, 'Could not record a failed flow');
    }
  }

  private requireSession(): ConnectSessionRecord {
    if (this.session === null) throw new Error('FlowRun has no session yet');
    return this.session;
  }

  private toFailure(error: unknown): FlowFailure {
    if (error instanceof FlowFailure) return error;
    if (error instanceof ApiError) {
      return FlowFailure.of(error.status, error.code, error.message, error.extra.remediation);
    }
    const errorId = this.ids.next('err');
    this.logger.error({ errorId, err: error }, 'Unexpected error in an OAuth flow');
    return FlowFailure.of(
      500,
      'internal_error',
      `An unexpected error occurred (error id ${errorId}); nothing was stored.`,
    );
  }
}

/** Starts {@link FlowRun}s with the vault's clock and logger. */
@Injectable()
export class FlowRuns {
  private readonly logger = new Logger('OAuthFlow');

  constructor(
    private readonly sessions: ConnectSessionsService,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(RANDOM) private readonly random: Random,
    @Inject(IDS) private readonly ids: IdGenerator,
    private readonly apps: FlowAppsService,
    private readonly events: EventsService,
  ) {}

  start(): FlowRun {
    return new FlowRun(this.sessions, this.clock, this.random, this.ids, this.logger, this.apps, this.events);
  }
}
