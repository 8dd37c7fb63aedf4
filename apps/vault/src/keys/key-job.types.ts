import type { KeyJobKind, KeyJobParams, KeyJobRecord } from './key-jobs.repository';

/** Tuning of the key jobs. */
export interface KeyJobsOptions {
  /** Rows per batch (one progress save per batch). */
  batchSize: number;
  /**
   * How long a retired data key must have been retired before a tenant rotation may delete it.
   * Other replicas may hold it as their active key until their DEK cache entry expires, so this
   * is at least the DEK cache TTL.
   */
  retiredKeyGraceMs: number;
}

/** Progress of a running job, as handed to `onProgress` after every saved batch. */
export interface KeyJobProgress {
  jobId: string;
  kind: KeyJobKind;
  processed: number;
  total: number;
}

/** Options of one job run. */
export interface KeyJobRunOptions {
  /** Called after each batch has been saved (the CLI draws a progress bar from it). */
  onProgress?: (progress: KeyJobProgress) => void | Promise<void>;
}

/** What a job step may do with its job record. */
export interface KeyJobContext {
  readonly batchSize: number;
  /** Saves progress (the resume point), then reports it to `onProgress`. */
  save(update: {
    cursor: string | null;
    processed: number;
    total: number;
    params: KeyJobParams;
  }): Promise<KeyJobRecord>;
}

/** One kind of key job: runs from the job's saved state to the end and returns its result. */
export interface KeyJobRunner {
  run(job: KeyJobRecord, ctx: KeyJobContext): Promise<KeyJobParams>;
}
