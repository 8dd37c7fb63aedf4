import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase, type Database } from '../../apps/vault/src/database/database';
import { withDatabase } from './database-template';
import { useStarted } from './use-started';

export interface TestDatabase extends Database {
  /** For PostgreSQL: the URL of this test's own database (another process may open it). */
  readonly url: string | null;
}

/**
 * A fresh, migrated database of its own for one test file: a clone of the run's template,
 * on PGlite by default or on PostgreSQL when DATABASE_URL is set. `close()` drops it.
 * `empty`: no migrations applied (for tests of migrations and of data older vaults made).
 */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const url = process.env.DATABASE_URL;
  if (url) return createPostgresDatabase(url, options.empty ?? false);
  const template = options.empty ? null : inject('pgliteTemplate');
  if (!options.empty && !template)
    throw new Error('The db test project has no PGlite template: is test/support/global-setup.ts configured?');
  const pglite = template
    ? await PGlite.create({ loadDataDir: new Blob([await fs.readFile(template)]) })
    : await PGlite.create();
  const db = await openDatabase({ pglite });
  return {
    ...db,
    url: null,
    close: async () => {
      await db.close();
      await pglite.close();
    },
  };
}

async function createPostgresDatabase(url: string, empty: boolean): Promise<TestDatabase> {
  const template = empty ? 'template0' : inject('postgresTemplate');
  if (!template)
    throw new Error('The db test project has no PostgreSQL template: is test/support/global-setup.ts configured?');
  const name = `authpipe_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  } finally {
    await admin.end();
  }
  const ownUrl = withDatabase(url, name);
  const db = await openDatabase({ url: ownUrl });
  return {
    ...db,
    url: ownUrl,
    close: async () => {
      await db.close();
      const cleanup = new pg.Client({ connectionString: url });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => cleanup.end());
    },
  };
}

/** A database of the enclosing describe block's own (created in beforeAll, dropped in afterAll). */
export function useTestDatabase(): TestDatabase {
  return useStarted(createTestDatabase);
}

/**
 * The same database as another process would reach it: on PostgreSQL through a connection pool
 * of its own, which `close` closes; on PGlite, which one process holds, `db` itself (the vault
 * keys in-process state such as key-job locks by that object), and `close` does nothing.
 */
export async function anotherConnection(db: TestDatabase): Promise<{ db: TestDatabase; close(): Promise<void> }> {
  if (db.url === null) return { db, close: () => Promise.resolve() };
  const pool = await openDatabase({ url: db.url });
  return { db: { ...pool, url: db.url }, close: () => pool.close() };
}

/**
 * Starts an embedded PGlite data directory (what a vault opens at `AUTHPIPE_DATA_DIR/pg`) from
 * the run's migrated template instead of a slow initdb. False on a PostgreSQL run, which has no
 * PGlite template: the directory is then left for the vault to create.
 */
export async function seedPgliteDirectory(dir: string): Promise<boolean> {
  const template = inject('pgliteTemplate');
  if (!template) return false;
  const pglite = await PGlite.create({ dataDir: dir, loadDataDir: new Blob([await fs.readFile(template)]) });
  await pglite.close();
  return true;
}
