import { Inject, Injectable } from '@nestjs/common';
import { Envelope, type KeyProvider } from '@authpipe/crypto';
import { DataKeyRepository } from './data-key.repository';
import type { KeyJobContext, KeyJobRunner } from './key-job.types';
import type { KeyJobParams, KeyJobRecord } from './key-jobs.repository';
import { KEY_PROVIDER } from './keys.tokens';

/**
 * Rewraps every data key wrapped by a master key version older than the current one, in batches paged by
 * id. The DEKs themselves do not change, so reads and writes go on throughout; every old master
 * version stays configured (and readable) until the job ends and reports it unused. Nothing goes
 * on the invalidation bus: the unwrapped keys other replicas cache are the same keys.
 */
@Injectable()
export class MasterKeyRotationJob implements KeyJobRunner {
  constructor(
    @Inject(KEY_PROVIDER) private readonly provider: KeyProvider,
    private readonly envelope: Envelope,
    private readonly dataKeys: DataKeyRepository,
  ) {}

  /** The `total` a new job starts with. */
  countPending(): Promise<number> {
    return this.dataKeys.countBelowMaster(this.provider.currentVersion());
  }

  async run(job: KeyJobRecord, ctx: KeyJobContext): Promise<KeyJobParams> {
    const target = this.provider.currentVersion();
    let { cursor, processed, total } = job;
    let rewrapped = typeof job.params.rewrapped === 'number' ? job.params.rewrapped : 0;
    for (;;) {
      const page = await this.dataKeys.pageBelowMaster(target, cursor, ctx.batchSize);
      if (page.length === 0) break;
      const batch = await Promise.all(
        page.map(async (row) => ({
          id: row.id,
          fromMaster: row.key.masterKeyVersion,
          wrappedKey: await this.envelope.rewrapDataKey(row.key),
        })),
      );
      // Rows shredded meanwhile are simply not updated: nothing left to rewrap.
      rewrapped += await this.dataKeys.replaceWrapped(batch, target);
      cursor = page[page.length - 1].id;
      processed += page.length;
      total = Math.max(total, processed);
      await ctx.save({ cursor, processed, total, params: { ...job.params, targetMasterVersion: target, rewrapped } });
    }
    const inUse = await this.dataKeys.masterVersionsInUse();
    const old = this.provider.versions().filter((v) => v !== target);
    return {
      targetMasterVersion: target,
      rewrapped,
      unusedMasterVersions: old.filter((v) => !inUse.includes(v)),
      stillUsedMasterVersions: old.filter((v) => inUse.includes(v)),
    };
  }
}
