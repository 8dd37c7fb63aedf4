import { Inject, Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { CLOCK, type Clock } from '../common/clock';
import type { VaultConfig } from '../config/config.schema';
import { VAULT_CONFIG } from '../config/config.module';
import { UnitOfWork } from '../database/unit-of-work';
import { EventsService } from '../events/events.service';
import { DueCredentialsRepository } from './due-credentials.repository';
import { APP_CREDENTIAL_WARNING_DAYS, INACTIVITY_LIMIT_MS, INACTIVITY_WARNING_MS } from './refresh-timing';

const DAY_MS = 24 * 3600_000;
const BATCH = 500;

/** What one run warned about. */
export interface ExpiryWarningsResult {
  appsExpiring: number;
  appsExpired: number;
  connectionsExpiring: number;
}

/**
 * Warns ahead of time, each warning once (a conditional write per warning, so replicas running
 * it together send it once): an app's client secret or certificate 30, 7 and 1 days before it
 * expires (`app.credential_expiring`), then `app.credential_expired`; a connection whose refresh
 * token nears Microsoft's 90-day inactivity limit because keep-alive could not renew it
 * (`credential.expiring`, with the date). Every replica runs it hourly; tests call `run()`.
 */
@Injectable()
export class ExpiryWarningsJob {
  private readonly logger = new Logger('ExpiryWarnings');

  constructor(
    private readonly due: DueCredentialsRepository,
    private readonly events: EventsService,
    private readonly uow: UnitOfWork,
    @Inject(VAULT_CONFIG) private readonly config: VaultConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Cron(CronExpression.EVERY_HOUR, { name: 'expiry-warnings', waitForCompletion: true })
  async tick(): Promise<void> {
    try {
      const result = await this.run();
      if (Object.values(result).some((n) => n > 0)) this.logger.log(result, 'Sent expiry warnings');
    } catch (error) {
      this.logger.error({ err: error }, 'Sending expiry warnings failed');
    }
  }

  async run(): Promise<ExpiryWarningsResult> {
    const result: ExpiryWarningsResult = { appsExpiring: 0, appsExpired: 0, connectionsExpiring: 0 };
    await this.apps(result);
    await this.connections(result);
    return result;
  }

  private async apps(result: ExpiryWarningsResult): Promise<void> {
    const now = this.clock();
    const horizon = new Date(now + Math.max(...APP_CREDENTIAL_WARNING_DAYS) * DAY_MS);
    for (const app of await this.due.appsNearCredentialExpiry(horizon, BATCH)) {
      const stage = stageOf(app.expiresAt.getTime() - now);
      // Already warned at this stage or a later one (a smaller number of days).
      if (app.warnedDays !== null && app.warnedDays <= stage) continue;
      await this.uow.run(async () => {
        if (!(await this.due.markAppWarned(app.projectId, app.id, app.expiresAt, app.warnedDays, stage))) return;
        const payload = {
          appId: app.id,
          expiresAt: app.expiresAt.toISOString(),
          actionUrl: `${this.config.publicUrl}/v1/apps/${app.id}`,
        };
        if (stage === 0) {
          await this.events.append(app.projectId, null, 'app.credential_expired', payload);
          result.appsExpired += 1;
        } else {
          await this.events.append(app.projectId, null, 'app.credential_expiring', { ...payload, daysLeft: stage });
          result.appsExpiring += 1;
        }
      });
    }
  }

  private async connections(result: ExpiryWarningsResult): Promise<void> {
    const now = this.clock();
    const before = new Date(now - (INACTIVITY_LIMIT_MS - INACTIVITY_WARNING_MS));
    for (;;) {
      const idle = await this.due.idleConnections(before, BATCH);
      for (const connection of idle) {
        await this.uow.run(async () => {
          const at = new Date(now);
          if (
            !(await this.due.markConnectionWarned(connection.projectId, connection.id, connection.lastRefreshedAt, at))
          )
            return;
          await this.events.appendFor(connection.projectId, connection, 'credential.expiring', {
            credentialId: connection.id,
            kind: 'connection',
            expiresAt: new Date(connection.lastRefreshedAt.getTime() + INACTIVITY_LIMIT_MS).toISOString(),
            reason: 'inactivity_limit',
          });
          result.connectionsExpiring += 1;
        });
      }
      if (idle.length < BATCH) break;
    }
  }
}

/** The warning due with `leftMs` to go: 30, 7 or 1 (days ahead), 0 once expired. */
function stageOf(leftMs: number): number {
  if (leftMs <= 0) return 0;
  const sorted = [...APP_CREDENTIAL_WARNING_DAYS].sort((a, b) => a - b);
  return sorted.find((days) => leftMs <= days * DAY_MS) ?? sorted[sorted.length - 1];
}
