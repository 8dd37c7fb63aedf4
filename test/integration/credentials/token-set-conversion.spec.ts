import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionsService } from '../../../apps/vault/src/connections/connections.service';
import { TokenSetConversion } from '../../../apps/vault/src/credentials/token-set-conversion';
import { applyMigrations, readMigrations } from '../../../apps/vault/src/database/migrator';
import { InstallationsService } from '../../../apps/vault/src/installations/installations.service';
import { clearFaults, injectFault, installFaultTriggers } from '@test/support/faults';
import { createTestDatabase, type TestDatabase } from '@test/support/test-database';
import { createTestVault } from '@test/support/test-vault';

interface LegacyData {
  masterKeys: string;
  migrations: string[];
  projectId: string;
  credentials: {
    kind: 'installation' | 'connection';
    id: string;
    accessTokenSha256: string;
    refreshTokenSha256?: string | null;
  }[];
  tables: Record<string, unknown[]>;
}

// Parents before children, so foreign keys hold as the rows go in.
const LOAD_ORDER = [
  'projects',
  'api_keys',
  'tenants',
  'data_keys',
  'secrets',
  'key_jobs',
  'provider_apps',
  'installations',
  'connections',
  'directory_claims',
  'connect_sessions',
  'oauth_states',
  'events',
  'credential_history',
];

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A database as main at 6cff020 left it: its migrations, then every row it held. */
async function legacyDatabase(data: LegacyData): Promise<TestDatabase> {
  const db = await createTestDatabase({ empty: true });
  const all = await readMigrations();
  await applyMigrations(
    db,
    all.filter((m) => data.migrations.includes(m.name)),
  );
  expect(
    Object.keys(data.tables)
      .filter((t) => t !== '_prisma_migrations')
      .sort(),
  ).toEqual([...LOAD_ORDER].sort());
  for (const table of LOAD_ORDER) {
    await db.query(`INSERT INTO "${table}" SELECT * FROM json_populate_recordset(NULL::"${table}", $1::json)`, [
      JSON.stringify(data.tables[table]),
    ]);
  }
  return db;
}

describe(TokenSetConversion.name, () => {
  let data: LegacyData;
  let db: TestDatabase;

  beforeAll(async () => {
    const file = path.resolve(__dirname, '../../fixtures/legacy-2026-11-30/data.json');
    data = JSON.parse(await fs.readFile(file, 'utf8')) as LegacyData;
    db = await legacyDatabase(data);
  });
  afterAll(async () => {
    await db?.close();
  });

  async function tokenFields(): Promise<string[]> {
    const rows = await db.query<{ field: string }>(
      `SELECT field FROM secrets WHERE record_type IN ('installation', 'connection') ORDER BY field`,
    );
    return rows.map((r) => r.field);
  }

  it('stops on a failure with every credential either converted or untouched, then resumes and loses nothing', async () => {
    expect(await tokenFields()).toEqual([...Array(5).fill('accessToken'), ...Array(3).fill('refreshToken')]);
    // Boot migrates the schema, then converts credentials in id order; the third one fails.
    const third = [...data.credentials].sort((a, b) => a.id.localeCompare(b.id))[2];
    await installFaultTriggers(db, ['secrets']);
    await injectFault(db, { table: 'secrets', op: 'INSERT', needle: third.id });
    await expect(createTestVault({ database: db, env: { AUTHPIPE_MASTER_KEYS: data.masterKeys } })).rejects.toThrow(
      /injected fault/,
    );
    const midway = await tokenFields();
    expect(midway.filter((f) => f === 'tokenSet')).toHaveLength(2);
    expect(midway.filter((f) => f === 'accessToken')).toHaveLength(3);

    await clearFaults(db);
    const vault = await createTestVault({ database: db, env: { AUTHPIPE_MASTER_KEYS: data.masterKeys } });
    try {
      expect(await tokenFields()).toEqual(Array(5).fill('tokenSet'));
      for (const credential of data.credentials) {
        const tokens =
          credential.kind === 'installation'
            ? await vault
                .get(InstallationsService)
                .readTokens(await vault.get(InstallationsService).find(data.projectId, credential.id))
            : await vault
                .get(ConnectionsService)
                .readTokens(await vault.get(ConnectionsService).find(data.projectId, credential.id));
        expect(tokens, credential.id).not.toBeNull();
        expect(sha256(tokens!.accessToken)).toBe(credential.accessTokenSha256);
        if (credential.kind === 'connection') expect(sha256(tokens!.refreshToken!)).toBe(credential.refreshTokenSha256);
        else expect(tokens!.refreshToken).toBeNull();
      }
      // The second boot went on with what the first left: three credentials, with progress.
      const logged = vault.logs.records().map((r) => r.msg);
      expect(logged).toContain('Converting the tokens of 3 credentials to token sets');
      expect(logged).toContain('Converted 3/3 credentials');
    } finally {
      await vault.close();
    }
  });

  it('finds nothing left to do on the next boot', async () => {
    const vault = await createTestVault({ database: db, env: { AUTHPIPE_MASTER_KEYS: data.masterKeys } });
    try {
      expect(await vault.get(TokenSetConversion).run()).toEqual({ converted: 0, skipped: [] });
      // The vaults of this file log into one capture: only the two earlier boots converted.
      const conversions = vault.logs
        .records()
        .map((r) => String(r.msg))
        .filter((msg) => msg.startsWith('Converting the tokens'));
      expect(conversions).toEqual([
        'Converting the tokens of 5 credentials to token sets',
        'Converting the tokens of 3 credentials to token sets',
      ]);
    } finally {
      await vault.close();
    }
  });
});
