import { describe, expect, it } from 'vitest';
import { TestClock } from '../../../../test/support/test-clock';
import type { TenantRowId } from '../common/tenant-ids';
import { CredentialReadAudit, READ_AUDIT_MAX_LINES } from './credential-read-audit';
import type { CredentialReadCount, CredentialReadsRepository } from './credential-reads.repository';

const MINUTE_MS = 60_000;

/** The audit's table as lines handed to it, failing on demand (the database unreachable). */
class Reads {
  readonly saved: CredentialReadCount[] = [];
  failing = false;

  add(lines: CredentialReadCount[]): Promise<void> {
    if (this.failing) return Promise.reject(new Error('database unreachable'));
    this.saved.push(...lines.map((line) => ({ ...line })));
    return Promise.resolve();
  }

  purge(): Promise<void> {
    return Promise.resolve();
  }
}

function audited() {
  // At a minute's start, so that a test decides when the minute changes.
  const clock = new TestClock(Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS);
  const reads = new Reads();
  const audit = new CredentialReadAudit(reads as unknown as CredentialReadsRepository, clock.read);
  return { audit, clock, reads };
}

const keyA = { projectId: 'project-1', apiKeyId: 'key-a' };
const keyB = { projectId: 'project-1', apiKeyId: 'key-b' };
const credential = (id: string) => ({ kind: 'connection' as const, id, tenantRowId: `tenant-of-${id}` as TenantRowId });

/** Saved lines as `minute offset/key/credential=count`, sorted. */
function summary(lines: CredentialReadCount[], start: number): string[] {
  return lines
    .map((l) => `${(l.minute.getTime() - start) / MINUTE_MS}/${l.apiKeyId}/${l.credentialId}=${l.count}`)
    .sort();
}

describe('CredentialReadAudit', () => {
  it('counts reads per minute, API key and credential, and saves one line for each', async () => {
    const { audit, clock, reads } = audited();
    const start = clock.nowMs;
    audit.record(keyA, credential('c1'));
    audit.record(keyA, credential('c1'));
    audit.record(keyB, credential('c1'));
    audit.record(keyA, credential('c2'));
    clock.advance(MINUTE_MS);
    audit.record(keyA, credential('c1'));
    expect(audit.pendingLines).toBe(4);

    await audit.flush();

    expect(summary(reads.saved, start)).toEqual(['0/key-a/c1=2', '0/key-a/c2=1', '0/key-b/c1=1', '1/key-a/c1=1']);
    expect(reads.saved.find((l) => l.credentialId === 'c2')).toMatchObject({
      projectId: 'project-1',
      tenantRowId: 'tenant-of-c2',
      credentialKind: 'connection',
    });
    expect(audit.pendingLines).toBe(0);
  });

  it('keeps the counts of a failed save and adds the reads recorded meanwhile to them', async () => {
    const { audit, clock, reads } = audited();
    const start = clock.nowMs;
    audit.record(keyA, credential('c1'));
    audit.record(keyA, credential('c1'));
    reads.failing = true;
    const failed = audit.flush();
    // Recorded while the save is under way: a line of its own until the counts come back.
    audit.record(keyA, credential('c1'));
    await failed;
    expect(audit.pendingLines).toBe(1);

    reads.failing = false;
    await audit.flush();

    expect(summary(reads.saved, start)).toEqual(['0/key-a/c1=3']);
  });

  it('drops its oldest minute, and only that, when full', async () => {
    const { audit, clock, reads } = audited();
    const start = clock.nowMs;
    for (let i = 0; i < READ_AUDIT_MAX_LINES - 1; i++) audit.record(keyA, credential(`old-${i}`));
    audit.record(keyA, credential('old-0'));
    clock.advance(MINUTE_MS);
    audit.record(keyB, credential('newer'));
    expect(audit.pendingLines).toBe(READ_AUDIT_MAX_LINES);

    audit.record(keyB, credential('newest'));

    expect(audit.pendingLines).toBe(2);
    await audit.flush();
    expect(summary(reads.saved, start)).toEqual(['1/key-b/newer=1', '1/key-b/newest=1']);
  });
});
