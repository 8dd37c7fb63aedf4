import { Inject, Injectable } from '@nestjs/common';
import { PrismaClient, type KeyJob } from '@authpipe/prisma';
import { z } from 'zod';
import { CLOCK, type Clock } from '../common/clock';
import { IDS, type IdGenerator } from '../common/id-generator';
import { asTenantExternalId, type TenantExternalId } from '../common/tenant-ids';

/** What a key job does. */
export type KeyJobKind = 'master_key_rotation' | 'tenant_key_rotation' | 'tenant_shred';
/** `running` also covers a job whose process died: the next start of the same job resumes it. */
export type KeyJobStatus = 'running' | 'failed' | 'completed';

/** Job-specific state and result, kept as JSON in `key_jobs.params`. */
export type KeyJobParams = Record<string, string | number | boolean | null | number[]>;

/** What a key job runs on: everything (master key), or one tenant named by the project's id for it. */
export interface KeyJobScope {
  projectId: string | null;
  tenantExternalId: TenantExternalId | null;
}

/** A key job as stored; tenant jobs name the tenant by the project's external id (`key_jobs.tenant_id`). */
export interface KeyJobRecord extends KeyJobScope {
  id: string;
  kind: KeyJobKind;
  status: KeyJobStatus;
  /** Id of the last row processed; the job resumes after it. */
  cursor: string | null;
  processed: number;
  total: number;
  /** Stable error code and id-only message of the last failure. */
  error: string | null;
  params: KeyJobParams;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

const paramValue = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.number())]);
const rowSchema = z.object({
  kind: z.enum(['master_key_rotation', 'tenant_key_rotation', 'tenant_shred']),
  status: z.enum(['running', 'failed', 'completed']),
  params: z.record(z.string(), paramValue).nullable(),
});

function toRecord({ tenantId, ...row }: KeyJob): KeyJobRecord {
  // The row is ours, but params is free-form JSON: parse it before anything relies on it.
  const checked = rowSchema.parse({ kind: row.kind, status: row.status, params: row.params });
  return {
    ...row,
    tenantExternalId: asTenantExternalId(tenantId),
    kind: checked.kind,
    status: checked.status,
    params: checked.params ?? {},
  };
}

/** Persistence of key jobs and their progress (`key_jobs`). */
@Injectable()
export class KeyJobsRepository {
  constructor(
    private readonly prisma: PrismaClient,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(IDS) private readonly ids: IdGenerator,
  ) {}

  async create(kind: KeyJobKind, scope: KeyJobScope, total: number, params: KeyJobParams): Promise<KeyJobRecord> {
    const row = await this.prisma.keyJob.create({
      data: {
        id: this.ids.next('job'),
        kind,
        projectId: scope.projectId,
        tenantId: scope.tenantExternalId,
        status: 'running',
        total,
        params,
        createdAt: new Date(this.clock()),
      },
    });
    return toRecord(row);
  }

  /** The newest job of this kind and scope that has not completed (to resume), or null. */
  async findUnfinished(kind: KeyJobKind, scope: KeyJobScope): Promise<KeyJobRecord | null> {
    const row = await this.prisma.keyJob.findFirst({
      where: {
        kind,
        projectId: scope.projectId,
        tenantId: scope.tenantExternalId,
        status: { in: ['running', 'failed'] },
      },
      orderBy: { createdAt: 'desc' },
    });
    return row ? toRecord(row) : null;
  }

  async markRunning(id: string): Promise<KeyJobRecord> {
    return toRecord(await this.prisma.keyJob.update({ where: { id }, data: { status: 'running', error: null } }));
  }

  /** Persists progress after a batch; this is what a resumed job starts from. */
  async saveProgress(
    id: string,
    progress: { cursor: string | null; processed: number; total: number; params: KeyJobParams },
  ): Promise<KeyJobRecord> {
    return toRecord(await this.prisma.keyJob.update({ where: { id }, data: progress }));
  }

  async complete(id: string, params: KeyJobParams): Promise<KeyJobRecord> {
    return toRecord(
      await this.prisma.keyJob.update({
        where: { id },
        data: { status: 'completed', params, finishedAt: new Date(this.clock()) },
      }),
    );
  }

  async fail(id: string, error: string): Promise<KeyJobRecord> {
    return toRecord(await this.prisma.keyJob.update({ where: { id }, data: { status: 'failed', error } }));
  }

  async get(id: string): Promise<KeyJobRecord | null> {
    const row = await this.prisma.keyJob.findUnique({ where: { id } });
    return row ? toRecord(row) : null;
  }

  /** Newest first. */
  async list(limit = 100): Promise<KeyJobRecord[]> {
    const rows = await this.prisma.keyJob.findMany({ orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: limit });
    return rows.map(toRecord);
  }
}
