import type { KeyJobDto } from '@authpipe/contract';
import type { KeyJobRecord } from '../keys/key-jobs.repository';

/** Public shape of a key job (the contract's); job params hold ids and counts only. */
export type { KeyJobDto };

export function toKeyJobDto(job: KeyJobRecord): KeyJobDto {
  return {
    id: job.id,
    kind: job.kind,
    status: job.status,
    projectId: job.projectId,
    tenantId: job.tenantExternalId,
    processed: job.processed,
    total: job.total,
    result: job.params,
    finishedAt: job.finishedAt?.toISOString() ?? null,
  };
}
