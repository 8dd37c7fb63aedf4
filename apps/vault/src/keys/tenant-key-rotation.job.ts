import { Inject, Injectable } from '@nestjs/common';
import { CryptoIntegrityError, Envelope, readKeyVersion, type KeyOwner } from '@authpipe/crypto';
import { InvalidationBus } from '../bus/invalidation-bus';
import { CLOCK, type Clock } from '../common/clock';
import { asTenantRowId, type TenantRowId } from '../common/tenant-ids';
import { CiphertextSweepRepository } from './ciphertext-sweep.repository';
import { dataKeyChanged } from './data-key-invalidation';
import { DataKeyRepository } from './data-key.repository';
import type { KeyJobContext, KeyJobRunner, KeyJobsOptions } from './key-job.types';
import type { KeyJobParams, KeyJobRecord } from './key-jobs.repository';
import { KEY_JOBS_OPTIONS } from './keys.tokens';

/**
 * Rotates one tenant's data key: a new DEK version becomes active, every secret under an older
 * version is re-encrypted in batches, then retired versions nothing references any more are
 * deleted (once past the grace period).
 *
 * Every replica is told (`data_key.changed`) once the new version exists, so they encrypt under
 * it from then on, and again at the end (a resumed run, deleted versions). Both are after the
 * fact: a replica that misses one keeps using its cached version, which stays readable and is
 * never deleted while referenced, and a write under a deleted version is retried by its writer.
 */
@Injectable()
export class TenantKeyRotationJob implements KeyJobRunner {
  constructor(
    private readonly envelope: Envelope,
    private readonly dataKeys: DataKeyRepository,
    private readonly secrets: CiphertextSweepRepository,
    @Inject(KEY_JOBS_OPTIONS) private readonly options: KeyJobsOptions,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly bus: InvalidationBus,
  ) {}

  async run(job: KeyJobRecord, ctx: KeyJobContext): Promise<KeyJobParams> {
    const owner = ownerOf(job);
    let params: KeyJobParams = { ...job.params };
    let { cursor, processed, total } = job;
    if (typeof params.newVersion !== 'number') {
      // Saved before any re-encryption, so a resumed job does not create yet another version.
      const newVersion = await this.envelope.rotateDataKey(owner);
      total = await this.secrets.countBelowVersion(owner, newVersion);
      params = { ...params, newVersion, reencrypted: 0, unreadable: 0 };
      await ctx.save({ cursor, processed, total, params });
      await this.bus.publish(dataKeyChanged(owner));
    }
    const newVersion = params.newVersion as number;
    let reencrypted = Number(params.reencrypted ?? 0);
    let unreadable = Number(params.unreadable ?? 0);
    for (;;) {
      const page = await this.secrets.pageBelowVersion(owner, newVersion, cursor, ctx.batchSize);
      if (page.length === 0) break;
      for (const row of page) {
        const ctxOf = { ...owner, recordType: row.recordType, recordId: row.recordId, field: row.field };
        let plaintext: Buffer;
        try {
          plaintext = await this.envelope.decrypt(ctxOf, row.ciphertext);
        } catch (error) {
          // A row that does not open (tampered, moved) stays as it is and keeps its DEK alive.
          if (!(error instanceof CryptoIntegrityError)) throw error;
          unreadable++;
          continue;
        }
        try {
          const next = await this.envelope.encrypt(ctxOf, plaintext);
          // A concurrent put already wrote a newer value under the new key: leave it.
          if (await this.secrets.replaceIfUnchanged(owner, row.id, row.ciphertext, next, readKeyVersion(next)))
            reencrypted++;
        } finally {
          plaintext.fill(0);
        }
      }
      cursor = page[page.length - 1].id;
      processed += page.length;
      total = Math.max(total, processed);
      params = { ...params, reencrypted, unreadable };
      await ctx.save({ cursor, processed, total, params });
    }
    const deletedVersions = await this.dataKeys.deleteUnreferencedRetired(
      owner,
      new Date(this.clock() - this.options.retiredKeyGraceMs),
    );
    // Deleted versions must not linger in this process's cache, nor in any other replica's.
    if (deletedVersions.length > 0) this.envelope.forget(owner);
    await this.bus.publish(dataKeyChanged(owner));
    const remaining = await this.dataKeys.listVersions(owner);
    return {
      ...params,
      reencrypted,
      unreadable,
      activeVersion: remaining.find((k) => k.status === 'active')?.version ?? newVersion,
      deletedVersions,
      retiredVersions: remaining.filter((k) => k.status === 'retired').map((k) => k.version),
    };
  }
}

/** The key owner a tenant job works on: the tenant row id saved in its params. */
export function ownerOf(job: KeyJobRecord): KeyOwner & { tenantId: TenantRowId } {
  const tenantRowId = job.params.tenantRowId;
  if (job.projectId === null || typeof tenantRowId !== 'string') {
    throw new Error(`Key job ${job.id} has no tenant scope`);
  }
  return { projectId: job.projectId, tenantId: asTenantRowId(tenantRowId) };
}
