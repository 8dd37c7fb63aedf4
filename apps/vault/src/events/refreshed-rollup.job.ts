import { Inject, Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { CLOCK, type Clock } from '../common/clock';
import { VAULT_CONFIG } from '../config/config.module';
import type { VaultConfig } from '../config/config.schema';
import { UnitOfWork } from '../database/unit-of-work';
import { EventsService } from './events.service';
import { RefreshedRollupRepository } from './refreshed-rollup.repository';

const ROLLUP = 'credential.refreshed';

/**
 * `credential.refreshed`, aggregated: a successful refresh writes no event (it would be one row
 * per credential per hour, drowning everything else), only `last_refreshed_at` on its row. Once
 * per window (AUTHPIPE_REFRESHED_EVENT_WINDOW_MS) this job writes one event per tenant counting
 * the credentials whose last refresh fell in it: `{installations, connections, since, until}`.
 * A credential refreshed again before the job runs counts in the window of its latest refresh.
 * Every replica ticks; the roll-up row's lock lets one through, and the events commit with the
 * window's end, so a window is never counted twice.
 */
@Injectable()
export class RefreshedRollupJob {
  private readonly logger = new Logger(RefreshedRollupJob.name);

  constructor(
    private readonly rollups: RefreshedRollupRepository,
    private readonly events: EventsService,
    private readonly uow: UnitOfWork,
    @Inject(VAULT_CONFIG) private readonly config: VaultConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Cron(CronExpression.EVERY_MINUTE, { name: 'credential-refreshed-rollup', waitForCompletion: true })
  async tick(): Promise<void> {
    try {
      await this.run();
    } catch (error) {
      this.logger.error({ err: error }, 'Rolling up credential.refreshed failed; the next run tries again');
    }
  }

  /** Writes the window's events when a window has passed; returns how many (null: another replica holds it). */
  async run(): Promise<number | null> {
    const now = this.clock();
    const window = this.config.refreshedEventWindowMs;
    return this.uow.run(async () => {
      const since = await this.rollups.lock(ROLLUP, new Date(now - window));
      if (since === null) return null;
      if (now - since.getTime() < window) return 0;
      const until = new Date(now);
      const tallies = await this.rollups.tally(since, until);
      for (const t of tallies) {
        await this.events.appendFor(t.projectId, t, ROLLUP, {
          installations: t.installations,
          connections: t.connections,
          since: since.toISOString(),
          until: until.toISOString(),
        });
      }
      await this.rollups.moveTo(ROLLUP, until);
      return tallies.length;
    });
  }
}
