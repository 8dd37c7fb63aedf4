import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';
import { CLOCK, type Clock } from '../common/clock';
import { REPLICA_ID } from '../common/replica';
import type { VaultConfig } from '../config/config.schema';
import { VAULT_CONFIG } from '../config/config.module';
import type { CredentialRef } from '../credentials/credential-state.repository';
import { DueCredentialsRepository } from './due-credentials.repository';
import { RefreshService, type RefreshOutcome } from './refresh.service';
import { LEASE_MS } from './refresh-timing';

/** What one tick did. */
export interface TickResult {
  /** Credentials leased (due at the tick's time). */
  leased: number;
  /** Outcomes by result (`refreshed`, `failed`, `fresh`, `busy`, `lost`, `blocked`, `gone`, `error`). */
  results: Record<string, number>;
  /** Leased credentials given back unrefreshed (the replica was stopping). */
  released: number;
}

/** How often the scheduler looks for due credentials (a cron of every replica). */
export const SCHEDULER_TICK = '*/10 * * * * *';
/** A tick stops leasing new batches after this long, so one tick never holds the job for long. */
const TICK_BUDGET_MS = LEASE_MS / 2;

/**
 * The refresh scheduler, run by every replica: each tick leases batches of due credentials (one
 * system-scope statement with `FOR UPDATE SKIP LOCKED`, so replicas take disjoint rows), refreshes
 * them through the shared RefreshService with bounded concurrency (the lease is already this
 * replica's, so the refresh re-takes it and releases it with the outcome), and repeats while full
 * batches come back. Times come from the vault's clock. On shutdown it stops leasing, lets the
 * refreshes in flight finish, and releases what it leased but had not started.
 */
@Injectable()
export class RefreshScheduler implements BeforeApplicationShutdown {
  private readonly logger = new Logger('RefreshScheduler');
  private running: Promise<TickResult> | null = null;
  private stopping = false;

  constructor(
    private readonly due: DueCredentialsRepository,
    private readonly refresh: RefreshService,
    @Inject(VAULT_CONFIG) private readonly config: VaultConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(REPLICA_ID) private readonly replicaId: string,
  ) {}

  /** The scheduled tick (wall clock): a failure is logged and the next tick tries again. */
  @Cron(SCHEDULER_TICK, { name: 'refresh-due-credentials', waitForCompletion: true })
  async onTick(): Promise<void> {
    try {
      const result = await this.tick();
      if (result.leased > 0) this.logger.log(result, 'Refreshed due credentials');
    } catch (error) {
      this.logger.error({ err: error }, 'Refreshing due credentials failed');
    }
  }

  /** One tick on the vault's clock; a tick asked for while one runs joins it. */
  tick(): Promise<TickResult> {
    if (this.stopping) return Promise.resolve({ leased: 0, results: {}, released: 0 });
    this.running ??= this.run().finally(() => (this.running = null));
    return this.running;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.running?.catch(() => undefined);
  }

  private async run(): Promise<TickResult> {
    const { batchSize, concurrency } = this.config.refresh;
    const result: TickResult = { leased: 0, results: {}, released: 0 };
    const started = this.clock();
    while (!this.stopping) {
      const now = this.clock();
      const batch = await this.due.leaseDue(new Date(now), this.replicaId, new Date(now + LEASE_MS), batchSize);
      result.leased += batch.length;
      const left = await this.drain(batch, concurrency, result.results);
      if (left.length > 0) {
        await this.due.releaseAll(left, this.replicaId);
        result.released += left.length;
      }
      // A short batch means nothing more is due now; the budget keeps a tick bounded.
      if (batch.length < batchSize || this.clock() - started >= TICK_BUDGET_MS) break;
    }
    return result;
  }

  /** Refreshes `batch` with at most `concurrency` at once; returns what it did not start (stopping). */
  private async drain(
    batch: CredentialRef[],
    concurrency: number,
    results: Record<string, number>,
  ): Promise<CredentialRef[]> {
    let next = 0;
    const worker = async () => {
      while (!this.stopping && next < batch.length) {
        const ref = batch[next++];
        const outcome = await this.refreshOne(ref);
        results[outcome] = (results[outcome] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, batch.length) }, worker));
    return batch.slice(next);
  }

  private async refreshOne(ref: CredentialRef): Promise<RefreshOutcome['result'] | 'error'> {
    try {
      return (await this.refresh.refresh(ref, 'scheduled')).result;
    } catch (error) {
      // The refresh released the lease on its way out; the credential is due again next tick.
      this.logger.error({ err: error, kind: ref.kind, credentialId: ref.id }, 'Scheduled refresh failed');
      return 'error';
    }
  }
}
