import type { KeyJobRecord } from '../keys/key-jobs.repository';

/** Public shape of a key job (CLI output and admin API); job params hold ids and counts only. */
export interface KeyJobDto {
  id: string;
  kind: string;
  status: string;
  projectId: string | null;
  tenantId: string | null;
  processed: number;
  total: number;
  result: Record<string, unknown>;
  finishedAt: string | null;
}

export function toKeyJobDto(job: KeyJobRecord): KeyJobDto {
  return {
    id: job.id,
    kind: job.kind,
    status: job.status,
    projectId: job.projectId,
    tenantId: job.tenantId,
    processed: job.processed,
    total: job.total,
    result: job.params,
    finishedAt: job.finishedAt?.toISOString() ?? null,
  };
}
