import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { CLOCK, type Clock } from '../common/clock';
import type { TenantRowId } from '../common/tenant-ids';
import { CredentialReadsRepository, type CredentialReadCount } from './credential-reads.repository';

const MINUTE_MS = 60_000;
/** How often the counts are added to the database. */
export const READ_AUDIT_FLUSH_MS = MINUTE_MS;
/** Lines held while the database cannot take them; beyond, the oldest minute is dropped (and logged). */
export const READ_AUDIT_MAX_LINES = 100_000;
/** How long the audit is kept. */
export const READ_AUDIT_RETENTION_MS = 90 * 24 * 3600_000;
const PURGE_EVERY_MS = 3600_000;

/** What a read names: the credential served and its tenant. */
export interface AuditedRead {
  projectId: string;
  apiKeyId: string;
  kind: 'installation' | 'connection';
  id: string;
  tenantRowId: TenantRowId;
}

/**
 * Which API key read which credential, counted per minute: getCredential records every read here
 * (cache hits included) without touching the database; the counts are added to
 * `credential_reads` once a minute and at shutdown. Never a token.
 */
@Injectable()
export class CredentialReadAudit implements OnApplicationShutdown {
  private readonly logger = new Logger('CredentialReadAudit');
  private pending = new Map<string, CredentialReadCount>();
  private flushing: Promise<void> | null = null;
  private lastPurge = 0;

  constructor(
    private readonly reads: CredentialReadsRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  record(read: AuditedRead): void {
    const minute = Math.floor(this.clock() / MINUTE_MS) * MINUTE_MS;
    const key = `${minute}\u0000${read.projectId}\u0000${read.apiKeyId}\u0000${read.id}`;
    const line = this.pending.get(key);
    if (line !== undefined) {
      line.count++;
      return;
    }
    if (this.pending.size >= READ_AUDIT_MAX_LINES) this.dropOldest();
    this.pending.set(key, {
      projectId: read.projectId,
      tenantRowId: read.tenantRowId,
      apiKeyId: read.apiKeyId,
      credentialKind: read.kind,
      credentialId: read.id,
      minute: new Date(minute),
      count: 1,
    });
  }

  /** Lines not yet flushed (for metrics and tests). */
  get pendingLines(): number {
    return this.pending.size;
  }

  /** Adds the pending counts to the database; one flush at a time. Counts survive a failed flush. */
  @Interval('flush-credential-reads', READ_AUDIT_FLUSH_MS)
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    this.flushing = this.flushOnce().finally(() => (this.flushing = null));
    return this.flushing;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  private async flushOnce(): Promise<void> {
    const taken = this.pending;
    this.pending = new Map();
    if (taken.size > 0) {
      try {
        await this.reads.add([...taken.values()]);
      } catch (error) {
        // Put the counts back (merged with reads recorded meanwhile) for the next flush.
        for (const [key, line] of taken) {
          const newer = this.pending.get(key);
          if (newer) newer.count += line.count;
          else this.pending.set(key, line);
        }
        this.logger.warn({ err: error, lines: taken.size }, 'The read audit could not be saved; retrying next minute');
        return;
      }
    }
    const now = this.clock();
    if (now - this.lastPurge >= PURGE_EVERY_MS) {
      this.lastPurge = now;
      await this.reads
        .purge(new Date(now - READ_AUDIT_RETENTION_MS))
        .catch((error: unknown) => this.logger.warn({ err: error }, 'The read audit could not be purged'));
    }
  }

  private dropOldest(): void {
    let oldest = Infinity;
    for (const line of this.pending.values()) oldest = Math.min(oldest, line.minute.getTime());
    let dropped = 0;
    for (const [key, line] of this.pending) {
      if (line.minute.getTime() === oldest) {
        this.pending.delete(key);
        dropped += line.count;
      }
    }
    this.logger.warn(
      { minute: new Date(oldest).toISOString(), reads: dropped },
      'Read audit full: dropped its oldest minute',
    );
  }
}
