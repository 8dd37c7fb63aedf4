import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';
import { CLOCK, type Clock } from '../common/clock';
import type { VaultConfig } from '../config/config.schema';
import { VAULT_CONFIG } from '../config/config.module';
import type { CredentialRef } from '../credentials/credential-state.repository';
import { DueCredentialsRepository } from './due-credentials.repository';
import { HealthProbeService, type ProbeResult } from './health-probe.service';
import { PROBE_LEASE_MS } from './refresh-timing';

/** What one run of the probe job did. */
export interface ProbeRunResult {
  /** Credentials given their first probe date (spread over one interval). */
  scheduled: number;
  /** Credentials probed, by result (`ok`, `recovered`, `access_lost`, `transient`, …, `error`). */
  results: Record<string, number>;
}

/** How often the probe job looks for due probes (a cron of every replica). */
export const HEALTH_PROBE_TICK = '0 * * * * *';
/** A run stops claiming new batches after this long. */
const RUN_BUDGET_MS = PROBE_LEASE_MS / 2;

/**
 * The health-probe job, run by every replica like the refresh scheduler: each run gives new
 * credentials a probe date spread over the interval, then claims batches of due probes (one
 * system-scope statement with `FOR UPDATE SKIP LOCKED`, the claim moving `probe_at` ahead as a
 * lease) and probes them with bounded concurrency. Times come from the vault's clock; tests call
 * `run()`. `AUTHPIPE_HEALTH_PROBE_INTERVAL_MS=0` turns it off.
 */
@Injectable()
export class HealthProbeJob implements BeforeApplicationShutdown {
  private readonly logger = new Logger('HealthProbeJob');
  private running: Promise<ProbeRunResult> | null = null;
  private stopping = false;

  constructor(
    private readonly due: DueCredentialsRepository,
    private readonly probes: HealthProbeService,
    @Inject(VAULT_CONFIG) private readonly config: VaultConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** The scheduled run (wall clock): a failure is logged and the next run tries again. */
  @Cron(HEALTH_PROBE_TICK, { name: 'health-probes', waitForCompletion: true })
  async onTick(): Promise<void> {
    try {
      const result = await this.run();
      if (Object.keys(result.results).length > 0) this.logger.log(result, 'Probed credentials');
    } catch (error) {
      this.logger.error({ err: error }, 'Probing credentials failed');
    }
  }

  /** One run on the vault's clock; a run asked for while one runs joins it. */
  run(): Promise<ProbeRunResult> {
    if (this.stopping || this.config.healthProbes.intervalMs === 0) {
      return Promise.resolve({ scheduled: 0, results: {} });
    }
    this.running ??= this.runOnce().finally(() => (this.running = null));
    return this.running;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.running?.catch(() => undefined);
  }

  private async runOnce(): Promise<ProbeRunResult> {
    const { intervalMs, concurrency } = this.config.healthProbes;
    const { batchSize } = this.config.refresh;
    const started = this.clock();
    const result: ProbeRunResult = {
      scheduled: await this.due.scheduleUnprobed(new Date(started), intervalMs, batchSize),
      results: {},
    };
    while (!this.stopping) {
      const now = this.clock();
      const batch = await this.due.leaseDueProbes(new Date(now), new Date(now + PROBE_LEASE_MS), batchSize);
      await this.drain(batch, concurrency, result.results);
      if (batch.length < batchSize || this.clock() - started >= RUN_BUDGET_MS) break;
    }
    return result;
  }

  /** Probes `batch` with at most `concurrency` at once (what stopping leaves is claimed again after its lease). */
  private async drain(batch: CredentialRef[], concurrency: number, results: Record<string, number>): Promise<void> {
    let next = 0;
    const worker = async () => {
      while (!this.stopping && next < batch.length) {
        const outcome = await this.probeOne(batch[next++]);
        results[outcome] = (results[outcome] ?? 0) + 1;
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, batch.length) }, worker));
  }

  private async probeOne(ref: CredentialRef): Promise<ProbeResult | 'error'> {
    try {
      return await this.probes.probe(ref);
    } catch (error) {
      // Its claim runs out and it is probed again after PROBE_LEASE_MS.
      this.logger.error({ err: error, kind: ref.kind, credentialId: ref.id }, 'Health probe failed');
      return 'error';
    }
  }
}
