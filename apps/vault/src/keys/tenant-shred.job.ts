import { Injectable } from '@nestjs/common';
import { Envelope } from '@authpipe/crypto';
import { CiphertextSweepRepository } from './ciphertext-sweep.repository';
import { DataKeyRepository } from './data-key.repository';
import type { KeyJobContext, KeyJobRunner } from './key-job.types';
import type { KeyJobParams, KeyJobRecord } from './key-jobs.repository';
import { TenantKeysRepository } from './tenant-keys.repository';
import { ownerOf } from './tenant-key-rotation.job';

/**
 * Crypto-shreds a tenant: its data keys are deleted first, so whatever rows are still on disk (or
 * in a backup) can never be opened again; then its secrets go in batches, then the tenant row.
 * Each step is safe to repeat, so a crashed shred simply runs again.
 */
@Injectable()
export class TenantShredJob implements KeyJobRunner {
  constructor(
    private readonly envelope: Envelope,
    private readonly dataKeys: DataKeyRepository,
    private readonly secrets: CiphertextSweepRepository,
    private readonly tenants: TenantKeysRepository,
  ) {}

  async run(job: KeyJobRecord, ctx: KeyJobContext): Promise<KeyJobParams> {
    const owner = ownerOf(job);
    let { cursor, processed, total } = job;
    const keysDeleted = Number(job.params.dataKeysDeleted ?? 0) + (await this.dataKeys.deleteAll(owner));
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
    const tenantDeleted = await this.tenants.deleteTenant(owner.projectId, owner.tenantId);
    this.envelope.forget(owner);
    return { ...params, secretsDeleted: processed, tenantDeleted };
  }
}
