import { Inject, Injectable, Logger } from '@nestjs/common';
import { CryptoError } from '@authpipe/crypto';
import { z } from 'zod';
import { asTenantExternalId, type TenantExternalId } from '../common/tenant-ids';
import { KeyJobLock } from './key-job-lock';
import type { KeyJobContext, KeyJobRunOptions, KeyJobRunner, KeyJobsOptions } from './key-job.types';
import {
  KeyJobsRepository,
  type KeyJobKind,
  type KeyJobParams,
  type KeyJobRecord,
  type KeyJobScope,
} from './key-jobs.repository';
import { KeysError, TenantNotFoundError } from './keys.errors';
import { KEY_JOBS_OPTIONS } from './keys.tokens';
import { MasterKeyRotationJob } from './master-key-rotation.job';
import { TenantKeyRotationJob } from './tenant-key-rotation.job';
import { TenantResolver } from './tenant-resolver';
import { TenantShredJob } from './tenant-shred.job';

const id = z.string().min(1).max(255);

/**
 * Starts, resumes and reports the key jobs: master key rotation, tenant key rotation and tenant
 * shred. Starting a job whose previous run died or failed resumes that run from its cursor. A job
 * runs at most once at a time across replicas (see {@link KeyJobLock}).
 */
@Injectable()
export class KeyJobsService {
  private readonly logger = new Logger(KeyJobsService.name);

  constructor(
    private readonly jobs: KeyJobsRepository,
    private readonly lock: KeyJobLock,
    private readonly tenants: TenantResolver,
    private readonly masterRotation: MasterKeyRotationJob,
    private readonly tenantRotation: TenantKeyRotationJob,
    private readonly shred: TenantShredJob,
    @Inject(KEY_JOBS_OPTIONS) private readonly options: KeyJobsOptions,
  ) {}

  /**
   * Rewraps every data key under the current master key version. The result names the old
   * master versions no data key uses any more (safe to remove from the configuration).
   */
  rotateMasterKey(options: KeyJobRunOptions = {}): Promise<KeyJobRecord> {
    const scope = { projectId: null, tenantExternalId: null };
    return this.lock.withLock('master_key_rotation', () =>
      this.runJob('master_key_rotation', scope, this.masterRotation, options, async () => ({
        total: await this.masterRotation.countPending(),
        params: {},
      })),
    );
  }

  /**
   * Gives a tenant a new data key version and re-encrypts its secrets under it.
   *
   * @throws TenantNotFoundError when the tenant does not exist.
   */
  rotateTenantKey(projectId: string, tenantExternalId: string, options: KeyJobRunOptions = {}): Promise<KeyJobRecord> {
    const scope = tenantScope(projectId, tenantExternalId);
    return this.lock.withLock(tenantLockKey(scope), () =>
      this.runJob('tenant_key_rotation', scope, this.tenantRotation, options, async () => {
        const tenant = await this.tenants.find(scope.projectId, scope.tenantExternalId);
        if (!tenant) throw new TenantNotFoundError(scope.projectId, scope.tenantExternalId);
        return { total: 0, params: { tenantRowId: tenant.tenantRowId } };
      }),
    );
  }

  /**
   * Crypto-shreds a tenant: data keys first, then its secrets, then the tenant row. An
   * interrupted shred is resumed by the next call, even once the row is gone; a tenant that does
   * not exist (never did, or was shredded before) is refused like a key rotation's.
   *
   * @throws TenantNotFoundError when the tenant does not exist and no shred of it is unfinished.
   */
  shredTenant(projectId: string, tenantExternalId: string, options: KeyJobRunOptions = {}): Promise<KeyJobRecord> {
    const scope = tenantScope(projectId, tenantExternalId);
    return this.lock.withLock(tenantLockKey(scope), () =>
      this.runJob('tenant_shred', scope, this.shred, options, async () => {
        const tenant = await this.tenants.find(scope.projectId, scope.tenantExternalId);
        if (!tenant) throw new TenantNotFoundError(scope.projectId, scope.tenantExternalId);
        return { total: 0, params: { tenantRowId: tenant.tenantRowId } };
      }),
    );
  }

  getJob(jobId: string): Promise<KeyJobRecord | null> {
    return this.jobs.get(id.parse(jobId));
  }

  /** Newest first. */
  listJobs(limit = 100): Promise<KeyJobRecord[]> {
    return this.jobs.list(z.number().int().min(1).max(1000).parse(limit));
  }

  /** Resumes the unfinished job of this kind and scope, or creates one; runs it to the end. */
  private async runJob(
    kind: KeyJobKind,
    scope: KeyJobScope,
    runner: KeyJobRunner,
    options: KeyJobRunOptions,
    init: () => Promise<{ total: number; params: KeyJobParams }>,
  ): Promise<KeyJobRecord> {
    const unfinished = await this.jobs.findUnfinished(kind, scope);
    let job: KeyJobRecord;
    if (unfinished) {
      job = await this.jobs.markRunning(unfinished.id);
      this.logger.log(`Resuming ${kind} job ${job.id} after ${job.processed}/${job.total}`);
    } else {
      const { total, params } = await init();
      job = await this.jobs.create(kind, scope, total, params);
    }
    const ctx: KeyJobContext = {
      batchSize: this.options.batchSize,
      save: async (update) => {
        const saved = await this.jobs.saveProgress(job.id, update);
        await options.onProgress?.({ jobId: saved.id, kind, processed: saved.processed, total: saved.total });
        return saved;
      },
    };
    try {
      const result = await runner.run(job, ctx);
      const done = await this.jobs.complete(job.id, result);
      this.logger.log(`${kind} job ${job.id} completed: ${done.processed}/${done.total}`);
      return done;
    } catch (error) {
      await this.jobs.fail(job.id, describeFailure(error));
      throw error;
    }
  }
}

function tenantScope(
  projectId: string,
  tenantExternalId: string,
): { projectId: string; tenantExternalId: TenantExternalId } {
  return { projectId: id.parse(projectId), tenantExternalId: asTenantExternalId(id.parse(tenantExternalId)) };
}

function tenantLockKey(scope: { projectId: string; tenantExternalId: TenantExternalId }): string {
  return `tenant:${JSON.stringify([scope.projectId, scope.tenantExternalId])}`;
}

// Only our own errors have messages known to be free of data; anything else is named by class.
function describeFailure(error: unknown): string {
  if (error instanceof KeysError || error instanceof CryptoError) return `${error.code}: ${error.message}`;
  return `internal_error: ${error instanceof Error ? error.name : 'unknown'}`;
}
