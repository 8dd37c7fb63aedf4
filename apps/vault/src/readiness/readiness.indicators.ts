import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { KeyProvider } from '@authpipe/crypto';
import { InvalidationBus } from '../bus/invalidation-bus';
import type { Database } from '../database/database';
import { DATABASE } from '../database/database.module';
import { pendingMigrations, type Migration } from '../database/migrator';
import { KEY_PROVIDER } from '../keys/keys.tokens';
import { MIGRATIONS } from '../database/database.module';

/** A database that does not answer within this delay counts as down. */
const DATABASE_TIMEOUT_MS = 2_000;

/**
 * The checks behind GET /readyz: database reachable, master keys loaded, no pending migration,
 * invalidation bus listening.
 */
@Injectable()
export class ReadinessIndicators {
  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(DATABASE) private readonly db: Database,
    @Inject(KEY_PROVIDER) private readonly keys: KeyProvider,
    @Inject(MIGRATIONS) private readonly shipped: Migration[],
    private readonly invalidationBus: InvalidationBus,
  ) {}

  async database(): Promise<HealthIndicatorResult<'database'>> {
    const check = this.health.check('database');
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.db.query('SELECT 1'),
        new Promise((_resolve, reject) => {
          timer = setTimeout(() => reject(new Error('timeout')), DATABASE_TIMEOUT_MS);
        }),
      ]);
      return check.up({ kind: this.db.kind });
    } catch (error) {
      // The driver's message says what is wrong (refused, timeout) and holds no secret;
      // the connection string is never part of it.
      return check.down({
        kind: this.db.kind,
        message: (error as Error).message === 'timeout' ? 'timed out' : 'unreachable',
      });
    } finally {
      clearTimeout(timer);
    }
  }

  masterKeys(): HealthIndicatorResult<'masterKeys'> {
    const check = this.health.check('masterKeys');
    const versions = this.keys.versions();
    return versions.length > 0
      ? check.up({ currentVersion: this.keys.currentVersion() })
      : check.down({ message: 'no master key loaded' });
  }

  /**
   * Down while the bus does not hear other replicas: this replica then drops its caches every
   * second (correct, but slower), and an orchestrator should prefer replicas that listen.
   */
  bus(): HealthIndicatorResult<'invalidationBus'> {
    const check = this.health.check('invalidationBus');
    const { transport, listening, since } = this.invalidationBus.status();
    const details = { transport, listening, since: new Date(since).toISOString() };
    return listening ? check.up(details) : check.down(details);
  }

  async migrations(): Promise<HealthIndicatorResult<'migrations'>> {
    const check = this.health.check('migrations');
    const pending = await pendingMigrations(this.db, this.shipped);
    return pending.length === 0 ? check.up({ applied: this.shipped.length }) : check.down({ pending });
  }
}
