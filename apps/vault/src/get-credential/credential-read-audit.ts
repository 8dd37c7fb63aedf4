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

/** Who read: the project and the API key it authenticated with. */
export interface AuditedReader {
  projectId: string;
  apiKeyId: string;
}

/** What was read: the credential served and its tenant. */
export interface AuditedCredential {
  kind: 'installation' | 'connection';
  id: string;
  tenantRowId: TenantRowId;
}

/**
 * Lines by minute, then API key, then credential. Nested rather than one joined key: a warm read
 * records with the key's id and the credential's id as the same strings every time (the key
 * store's row, the served-credential cache's entry), so each lookup hashes nothing new, where a
 * joined key was a new 120-character string to build and hash on every read. An API key belongs
 * to one project, so key and credential name a line.
 */
type Pending = Map<number, Map<string, Map<string, CredentialReadCount>>>;

/**
 * Which API key read which credential, counted per minute: getCredential records every read here
 * (cache hits included) without touching the database; the counts are added to
 * `credential_reads` once a minute and at shutdown. Never a token.
 */
@Injectable()
export class CredentialReadAudit implements OnApplicationShutdown {
  private readonly logger = new Logger('CredentialReadAudit');
  private pending: Pending = new Map();
  private lines = 0;
  private flushing: Promise<void> | null = null;
  private lastPurge = 0;

  constructor(
    private readonly reads: CredentialReadsRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** Counts one read at `now` (the clock's). */
  record(reader: AuditedReader, credential: AuditedCredential, now = this.clock()): void {
    const minute = Math.floor(now / MINUTE_MS) * MINUTE_MS;
    const line = this.pending.get(minute)?.get(reader.apiKeyId)?.get(credential.id);
    if (line !== undefined) {
      line.count++;
      return;
    }
    if (this.lines >= READ_AUDIT_MAX_LINES) this.dropOldest();
    this.add({
      projectId: reader.projectId,
      tenantRowId: credential.tenantRowId,
      apiKeyId: reader.apiKeyId,
      credentialKind: credential.kind,
      credentialId: credential.id,
      minute: new Date(minute),
      count: 1,
    });
  }

  /** Lines not yet flushed (for metrics and tests). */
  get pendingLines(): number {
    return this.lines;
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
    const taken = [...linesOf(this.pending)];
    this.pending = new Map();
    this.lines = 0;
    if (taken.length > 0) {
      try {
        await this.reads.add(taken);
      } catch (error) {
        // Put the counts back (merged with reads recorded meanwhile) for the next flush.
        for (const line of taken) this.add(line);
        this.logger.warn(
          { err: error, lines: taken.length },
          'The read audit could not be saved; retrying next minute',
        );
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

  /** Adds `line` to the pending lines, or its count to the line already there for its minute, key and credential. */
  private add(line: CredentialReadCount): void {
    const minute = line.minute.getTime();
    let byKey = this.pending.get(minute);
    if (byKey === undefined) this.pending.set(minute, (byKey = new Map<string, Map<string, CredentialReadCount>>()));
    let byCredential = byKey.get(line.apiKeyId);
    if (byCredential === undefined) byKey.set(line.apiKeyId, (byCredential = new Map<string, CredentialReadCount>()));
    const there = byCredential.get(line.credentialId);
    if (there !== undefined) {
      there.count += line.count;
      return;
    }
    byCredential.set(line.credentialId, line);
    this.lines++;
  }

  private dropOldest(): void {
    const oldest = Math.min(...this.pending.keys());
    let lines = 0;
    let dropped = 0;
    for (const byCredential of this.pending.get(oldest)!.values()) {
      for (const line of byCredential.values()) {
        lines++;
        dropped += line.count;
      }
    }
    this.pending.delete(oldest);
    this.lines -= lines;
    this.logger.warn(
      { minute: new Date(oldest).toISOString(), reads: dropped },
      'Read audit full: dropped its oldest minute',
    );
  }
}

function* linesOf(pending: Pending): Iterable<CredentialReadCount> {
  for (const byKey of pending.values()) for (const byCredential of byKey.values()) yield* byCredential.values();
}
