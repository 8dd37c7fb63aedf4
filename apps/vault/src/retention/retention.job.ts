import { Inject, Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { CLOCK, type Clock } from '../common/clock';
import { VAULT_CONFIG } from '../config/config.module';
import type { VaultConfig } from '../config/config.schema';
import { EVENT_STREAM_CURSOR } from '../events/event-stream.consumer';
import { EventStreamRepository } from '../events/event-stream.repository';
import { RetentionRepository } from './retention.repository';

const DAY_MS = 86_400_000;

/** Rows deleted per statement (each its own short transaction). */
export const RETENTION_BATCH = 1000;

export interface RetentionResult {
  events: number;
  deliveries: number;
  history: number;
  issues: number;
}

/**
 * Deletes what is older than its retention (AUTHPIPE_RETENTION_*_DAYS): events (only those the
 * event stream consumer has processed, so nothing is purged before its issues and deliveries
 * exist), finished webhook deliveries, credential history and resolved issues. Open issues and
 * pending deliveries are never purged. Every replica runs it hourly; batches keep locks short.
 */
@Injectable()
export class RetentionJob {
  private readonly logger = new Logger(RetentionJob.name);

  constructor(
    private readonly purge: RetentionRepository,
    private readonly stream: EventStreamRepository,
    @Inject(VAULT_CONFIG) private readonly config: VaultConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Cron(CronExpression.EVERY_HOUR, { name: 'retention-purge', waitForCompletion: true })
  async tick(): Promise<void> {
    try {
      const result = await this.run();
      if (Object.values(result).some((n) => n > 0)) this.logger.log(result, 'Purged records past their retention');
    } catch (error) {
      this.logger.error({ err: error }, 'The retention purge failed; the next run tries again');
    }
  }

  async run(): Promise<RetentionResult> {
    const now = this.clock();
    const before = (days: number): Date => new Date(now - days * DAY_MS);
    const { retention } = this.config;
    const consumed = await this.stream.readCursor(EVENT_STREAM_CURSOR);
    return {
      events:
        consumed === null ? 0 : await drain((n) => this.purge.purgeEvents(before(retention.eventsDays), consumed, n)),
      deliveries: await drain((n) => this.purge.purgeDeliveries(before(retention.deliveriesDays), n)),
      history: await drain((n) => this.purge.purgeHistory(before(retention.historyDays), n)),
      issues: await drain((n) => this.purge.purgeResolvedIssues(before(retention.resolvedIssuesDays), n)),
    };
  }
}

async function drain(batch: (size: number) => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await batch(RETENTION_BATCH);
    total += deleted;
    if (deleted < RETENTION_BATCH) return total;
  }
}
