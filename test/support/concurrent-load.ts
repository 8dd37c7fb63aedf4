import { setImmediate as nextTurn } from 'node:timers/promises';
import { asTenantExternalId } from '../../apps/vault/src/common/tenant-ids';
import type { SecretsService } from '../../apps/vault/src/secrets/secrets.service';

/**
 * Readers and writers hammering SecretsService while a key job runs. Each worker owns its own
 * records, so the value a read must return is known exactly. The job's onProgress can await
 * `afterOps(n)` so that every batch is interleaved with real traffic, without sleeping.
 */
export class ConcurrentLoad {
  ops = 0;
  readonly failures: string[] = [];
  readonly #expected = new Map<string, string>();
  readonly #waiters: { target: number; resolve: () => void }[] = [];
  #running = false;
  #workers: Promise<void>[] = [];

  constructor(
    private readonly replicas: SecretsService[],
    private readonly projectId: string,
    private readonly tenants: string[],
  ) {}

  start(workers: number): void {
    this.#running = true;
    this.#workers = Array.from({ length: workers }, (_, w) => this.#work(w));
  }

  /** Resolves when `n` more operations have completed (or the load stopped). */
  afterOps(n: number): Promise<void> {
    const target = this.ops + n;
    return new Promise((resolve) => {
      if (!this.#running) return resolve();
      this.#waiters.push({ target, resolve });
    });
  }

  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#workers);
    for (const w of this.#waiters.splice(0)) w.resolve();
  }

  /** Reads every record once more through each replica and records any mismatch. */
  async verifyAll(): Promise<number> {
    let checked = 0;
    for (const [key, value] of this.#expected) {
      const [tenantId, recordId] = key.split('|') as [string, string];
      for (const replica of this.replicas) {
        const got = await replica.get(
          { projectId: this.projectId, tenantExternalId: asTenantExternalId(tenantId) },
          { recordType: 'load', recordId, field: 'token' },
        );
        if (got?.toString() !== value) this.failures.push(`final read of ${key} returned a different value`);
        checked++;
      }
    }
    return checked;
  }

  async #work(worker: number): Promise<void> {
    let step = 0;
    while (this.#running) {
      const k = step % 6;
      const tenantId = this.tenants[(worker + k) % this.tenants.length];
      const recordId = `w${worker}_r${k}`;
      const key = `${tenantId}|${recordId}`;
      const replica = this.replicas[step % this.replicas.length];
      const scope = { projectId: this.projectId, tenantExternalId: asTenantExternalId(tenantId) };
      const ref = { recordType: 'load', recordId, field: 'token' };
      try {
        const expected = this.#expected.get(key);
        if (expected !== undefined && step % 3 !== 0) {
          const got = await replica.get(scope, ref);
          if (got?.toString() !== expected) this.failures.push(`read of ${key} returned a different value`);
        } else {
          const value = `load-${worker}-${step}`;
          await replica.put(scope, ref, value);
          this.#expected.set(key, value);
        }
      } catch (error) {
        this.failures.push(`${key}: ${error instanceof Error ? `${error.name}: ${error.message}` : 'error'}`);
      }
      step++;
      this.ops++;
      for (let i = this.#waiters.length - 1; i >= 0; i--) {
        if (this.ops >= this.#waiters[i].target) this.#waiters.splice(i, 1)[0].resolve();
      }
      // PGlite answers without I/O, so a worker that never left the microtask queue would starve
      // every timer and file operation beside it (a replica starting mid-job).
      await nextTurn();
    }
  }
}
