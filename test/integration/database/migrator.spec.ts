import { beforeAll, describe, expect, it } from 'vitest';
import {
  applyMigrations,
  MigrationError,
  pendingMigrations,
  readMigrations,
  type Migration,
} from '../../../apps/vault/src/database/migrator';
import { anotherConnection, useTestDatabase } from '@test/support/test-database';

describe('applyMigrations', () => {
  const db = useTestDatabase();
  let migrations: Migration[];

  beforeAll(async () => {
    migrations = await readMigrations();
  });

  it('applies nothing twice on an already migrated database', async () => {
    const result = await applyMigrations(db, migrations);
    expect(result.applied).toEqual([]);
    expect(result.alreadyApplied).toEqual(migrations.map((m) => m.name));
    expect(await pendingMigrations(db, migrations)).toEqual([]);
  });

  it('applies a new migration once even when replicas race for it', async () => {
    const extra: Migration = {
      name: '29990101000000_race',
      sql: 'CREATE TABLE "race_probe" ("id" INTEGER PRIMARY KEY); INSERT INTO "race_probe" VALUES (1);',
      checksum: 'race',
    };
    const all = [...migrations, extra];
    expect(await pendingMigrations(db, all)).toEqual([extra.name]);
    // On PostgreSQL each replica gets its own connection; PGlite serialises one process.
    const replicas = await Promise.all([1, 2, 3].map(() => anotherConnection(db)));
    try {
      const results = await Promise.all(replicas.map((r) => applyMigrations(r.db, all)));
      expect(results.flatMap((r) => r.applied)).toEqual([extra.name]);
      expect(await db.query('SELECT id FROM race_probe')).toEqual([{ id: 1 }]);
    } finally {
      await Promise.all(replicas.map((r) => r.close()));
    }
  });

  it('refuses a migration whose file changed after it was applied', async () => {
    const tampered = migrations.map((m, i) => (i === 0 ? { ...m, checksum: 'f'.repeat(64) } : m));
    await expect(applyMigrations(db, tampered)).rejects.toThrow(MigrationError);
  });

  it('rolls back a failing migration and records nothing', async () => {
    const broken: Migration = {
      name: '29990102000000_broken',
      sql: 'CREATE TABLE "half" ("id" INT); SELECT nope;',
      checksum: 'x',
    };
    await expect(applyMigrations(db, [...migrations, broken])).rejects.toThrow(/29990102000000_broken failed/);
    expect(await db.query(`SELECT to_regclass('public.half') AS t`)).toEqual([{ t: null }]);
    expect(await pendingMigrations(db, [broken])).toEqual([broken.name]);
  });
});
