import { Injectable } from '@nestjs/common';
import { Envelope } from '@authpipe/crypto';
import { InvalidationBus } from '../bus/invalidation-bus';
import { UnitOfWork } from '../database/unit-of-work';
import { CiphertextSweepRepository } from './ciphertext-sweep.repository';
import { dataKeyChanged } from './data-key-invalidation';
import { DataKeyRepository } from './data-key.repository';
import type { KeyJobContext, KeyJobRunner } from './key-job.types';
import type { KeyJobParams, KeyJobRecord } from './key-jobs.repository';
import { TenantKeysRepository } from './tenant-keys.repository';
import { ownerOf } from './tenant-key-rotation.job';

/**
 * Crypto-shreds a tenant: its data keys are deleted first, so whatever rows are still on disk can
 * never be opened again; then its secrets go in batches, then the tenant row. A backup taken
 * before the shred still holds the wrapped keys and reopens with that time's master key version
 * until the master key is rotated and the old version destroyed (keys/README.md).
 * Each step is safe to repeat, so a crashed shred simply runs again.
 *
 * Deleting the keys and telling every replica (`data_key.changed`) is one transaction: the keys
 * are gone only if the message goes out, and other replicas drop their cached copy when it
 * commits. The tenant row's deletion (which cascades to keys written while the shred ran) is
 * announced the same way.
 */
@Injectable()
export class TenantShredJob implements KeyJobRunner {
  constructor(
    private readonly envelope: Envelope,
    private readonly dataKeys: DataKeyRepository,
    private readonly secrets: CiphertextSweepRepository,
    private readonly tenants: TenantKeysRepository,
    private readonly uow: UnitOfWork,
    private readonly bus: InvalidationBus,
  ) {}

  async run(job: KeyJobRecord, ctx: KeyJobContext): Promise<KeyJobParams> {
    const owner = ownerOf(job);
    let { cursor, processed, total } = job;
    const deleted = await this.uow.run(async () => {
      const count = await this.dataKeys.deleteAll(owner);
      await this.bus.publish(dataKeyChanged(owner));
      return count;
    });
    const keysDeleted = Number(job.params.dataKeysDeleted ?? 0) + deleted;
    // Also done by this replica's bus subscriber at commit; kept so the job never relies on wiring.
    this.envelope.forget(owner);
    let params: KeyJobParams = { ...job.params, dataKeysDeleted: keysDeleted };
    total = Math.max(total, processed + (await this.secrets.countForOwner(owner)));
    await ctx.save({ cursor, processed, total, params });
    for (;;) {
      const ids = await this.secrets.deleteBatch(owner, ctx.batchSize);
      if (ids.length === 0) break;
      cursor = ids[ids.length - 1]!;
      processed += ids.length;
      total = Math.max(total, processed);
      params = { ...params, secretsDeleted: processed };
      await ctx.save({ cursor, processed, total, params });
    }
    // Cascades to anything written for this tenant while the shred ran (keys included).
    const tenantDeleted = await this.uow.run(async () => {
      const gone = await this.tenants.deleteTenant(owner.projectId, owner.tenantId);
      await this.bus.publish(dataKeyChanged(owner));
      return gone;
    });
    this.envelope.forget(owner);
    return { ...params, secretsDeleted: processed, tenantDeleted };
  }
}
