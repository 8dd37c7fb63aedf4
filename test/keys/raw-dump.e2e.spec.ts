import { Logger, type LoggerService } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretsService } from '../../apps/vault/src/secrets/secrets.service';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { dumpDatabase } from './db-dump';
import { createKeysHarness, createProject, masterKeyList, providerOf, type KeysHarness } from './keys-harness';

const CANARIES = ['CANARY-access-token-5b1f0e', 'CANARY-refresh-token-93ad42', 'CANARY-client-secret-c07e11'];
const PROJECT = 'prj_dump';

/** Every way a canary could appear in a dump: text, bytea hex, base64 of the bytes. */
function encodings(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  return [value, bytes.toString('hex'), bytes.toString('base64').replace(/=+$/, '')];
}

class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log(...parts: unknown[]): void {
    this.lines.push(parts.map(String).join(' '));
  }
  error(...parts: unknown[]): void {
    this.lines.push(parts.map(String).join(' '));
  }
  warn(...parts: unknown[]): void {
    this.lines.push(parts.map(String).join(' '));
  }
}

describe(`${SecretsService.name} at rest`, () => {
  let db: TestDatabase;
  let keys: KeysHarness;
  const v1 = masterKeyList(1);
  const v2 = masterKeyList(2);
  const logger = new CapturingLogger();

  beforeAll(async () => {
    db = await createTestDatabase();
    await createProject(db, PROJECT);
  });
  afterAll(async () => {
    Logger.overrideLogger(false);
    await keys?.close();
    await db.close();
  });

  it('leaves no plaintext canary and no key material in a raw dump of every table, nor in the logs', async () => {
    keys = await createKeysHarness(db, providerOf(`${v2},${v1}`), { jobBatchSize: 2, retiredKeyGraceMs: 0 });
    // After the module is compiled: compiling installs Nest's default logger.
    Logger.overrideLogger(logger);
    const [access, refresh, clientSecret] = CANARIES as [string, string, string];
    // Every write path: insert, overwrite, project secret, several tenants.
    for (const tenantId of ['org_a', 'org_b', 'org_c']) {
      await keys.secrets.put(
        { projectId: PROJECT, tenantId },
        { recordType: 'connection', recordId: `con_${tenantId}`, field: 'accessToken' },
        'old',
      );
      await keys.secrets.put(
        { projectId: PROJECT, tenantId },
        { recordType: 'connection', recordId: `con_${tenantId}`, field: 'accessToken' },
        access,
      );
      await keys.secrets.put(
        { projectId: PROJECT, tenantId },
        { recordType: 'connection', recordId: `con_${tenantId}`, field: 'refreshToken' },
        Buffer.from(refresh),
      );
    }
    await keys.secrets.put(
      { projectId: PROJECT, tenantId: null },
      { recordType: 'app', recordId: 'app_1', field: 'clientSecret' },
      clientSecret,
    );
    // Every job path: tenant rotation (re-encryption), master rotation (rewrap), shred.
    await keys.jobs.rotateTenantKey(PROJECT, 'org_a');
    await keys.jobs.rotateMasterKey();
    await keys.jobs.shredTenant(PROJECT, 'org_c');
    // And a failed read (a moved ciphertext), which logs a warning.
    const moved = await db.prisma.secret.findFirstOrThrow({ where: { recordId: 'con_org_a', field: 'refreshToken' } });
    await db.prisma.secret.updateMany({
      where: { recordId: 'con_org_b', field: 'refreshToken' },
      data: { ciphertext: moved.ciphertext },
    });
    await expect(
      keys.secrets.get(
        { projectId: PROJECT, tenantId: 'org_b' },
        { recordType: 'connection', recordId: 'con_org_b', field: 'refreshToken' },
      ),
    ).rejects.toMatchObject({ code: 'crypto_integrity' });

    const dump = await dumpDatabase(db);
    const text = JSON.stringify(dump);
    // The dump really holds the encrypted rows (so the scan below is meaningful).
    expect(dump.secrets).toHaveLength(5);
    expect(dump.data_keys.length).toBeGreaterThanOrEqual(3);
    expect(text).toContain('\\\\x01');
    const logs = logger.lines.join('\n');
    expect(logs).toMatch(/failed to open/);
    const forbidden = [...CANARIES.flatMap(encodings), ...[v1, v2].map((list) => list.slice(2))];
    for (const needle of forbidden) {
      expect(text).not.toContain(needle);
      expect(logs).not.toContain(needle);
    }
    // Sanity: the canaries are still there for their owners (the scan did not pass by losing them).
    expect(
      (
        await keys.secrets.get(
          { projectId: PROJECT, tenantId: 'org_a' },
          { recordType: 'connection', recordId: 'con_org_a', field: 'accessToken' },
        )
      )?.toString(),
    ).toBe(access);
  });
});
