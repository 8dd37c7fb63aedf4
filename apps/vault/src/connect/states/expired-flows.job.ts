import { Inject, Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { CLOCK, type Clock } from '../../common/clock';
import { ConnectSessionsService } from '../sessions/connect-sessions.service';
import { OAuthStatesRepository } from './oauth-states.repository';

/** How long after expiry a session or state is kept, so a late browser hears "expired", not "unknown". */
export const EXPIRED_FLOWS_GRACE_MS = 60 * 60_000;
const BATCH = 500;

/** What one purge removed. */
export interface PurgeResult {
  states: number;
  sessions: number;
}

/**
 * Removes connect sessions and OAuth states that expired more than {@link EXPIRED_FLOWS_GRACE_MS}
 * ago, with the encrypted PKCE verifiers and nonces of the states (the session cascade would
 * leave those behind in `secrets`). Every replica runs it; deletes go by id in small batches, so
 * replicas running at once share the work and never fail on each other's deletions.
 */
@Injectable()
export class ExpiredFlowsJob {
  private readonly logger = new Logger('ExpiredFlowsJob');

  constructor(
    private readonly states: OAuthStatesRepository,
    private readonly sessions: ConnectSessionsService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** The scheduled run: a failure is logged and the next tick tries again. */
  @Cron(CronExpression.EVERY_10_MINUTES, { name: 'purge-expired-flows', waitForCompletion: true })
  async tick(): Promise<void> {
    try {
      const { states, sessions } = await this.run();
      if (states + sessions > 0) this.logger.log({ states, sessions }, 'Purged expired connect sessions and states');
    } catch (error) {
      this.logger.error({ err: error }, 'Purging expired connect sessions and states failed');
    }
  }

  /** One purge on the injected clock: states (and their secrets) first, then sessions. */
  async run(): Promise<PurgeResult> {
    const before = new Date(this.clock() - EXPIRED_FLOWS_GRACE_MS);
    let states = 0;
    for (;;) {
      const deleted = await this.states.deleteExpired(before, BATCH);
      states += deleted;
      if (deleted < BATCH) break;
    }
    const sessions = await this.sessions.purgeExpired(EXPIRED_FLOWS_GRACE_MS, BATCH);
    return { states, sessions };
  }
}
