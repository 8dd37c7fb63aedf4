import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Database, RawConnection } from './database';

/** prisma/migrations of the repository, found upwards from this file (src or dist). */
export function defaultMigrationsDir(from = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'prisma', 'migrations');
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new MigrationError(`No prisma/migrations folder above ${from}`);
  }
}

/** Arbitrary constant: the advisory lock every replica takes before touching the schema. */
const MIGRATION_LOCK_ID = 72_616_101;

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
}

/** Raised when an applied migration's file changed afterwards, or a migration failed. */
export class MigrationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

/** Reads `<dir>/<timestamp>_<name>/migration.sql` folders in name order (Prisma's layout). */
export async function readMigrations(dir = defaultMigrationsDir()): Promise<Migration[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await fs.readFile(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

// Prisma Migrate's own bookkeeping table, so `prisma migrate deploy` (where its engine can
// run) sees the same history as this boot-time migrator.
const BOOKKEEPING = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

/**
 * Applies pending migrations, each in its own transaction, under a session advisory lock so
 * that replicas booting together apply each migration exactly once: the second waits for the
 * lock, then finds nothing left to do.
 */
export async function applyMigrations(db: Database, migrations: Migration[]): Promise<MigrationResult> {
  return db.withConnection(async (conn) => {
    await conn.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    try {
      await conn.exec(BOOKKEEPING);
      return await applyPending(conn, migrations);
    } finally {
      await conn.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
    }
  });
}

async function applyPending(conn: RawConnection, migrations: Migration[]): Promise<MigrationResult> {
  const rows = await conn.query<{ migration_name: string; checksum: string }>(
    'SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
  );
  const done = new Map(rows.map((r) => [r.migration_name, r.checksum]));
  const result: MigrationResult = { applied: [], alreadyApplied: [] };
  for (const m of migrations) {
    const checksum = done.get(m.name);
    if (checksum !== undefined) {
      if (checksum !== m.checksum) {
        throw new MigrationError(`Migration ${m.name} was changed after it was applied (checksum mismatch)`);
      }
      result.alreadyApplied.push(m.name);
      continue;
    }
    try {
      await conn.exec('BEGIN');
      await conn.exec(m.sql);
      await conn.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, finished_at, applied_steps_count)
         VALUES ($1, $2, $3, now(), 1)`,
        // Prisma's own bookkeeping row: a UUID id, as `prisma migrate deploy` writes it.
        [randomUUID(), m.checksum, m.name],
      );
      await conn.exec('COMMIT');
    } catch (error) {
      await conn.exec('ROLLBACK').catch(() => undefined);
      throw new MigrationError(`Migration ${m.name} failed: ${(error as Error).message}`, { cause: error });
    }
    result.applied.push(m.name);
  }
  return result;
}

/** Names of migrations on disk that the database has not applied (for /readyz). */
export async function pendingMigrations(db: Database, migrations: Migration[]): Promise<string[]> {
  const rows = await db
    .query<{ migration_name: string }>(
      'SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    )
    .catch(() => [] as { migration_name: string }[]);
  const done = new Set(rows.map((r) => r.migration_name));
  return migrations.map((m) => m.name).filter((n) => !done.has(n));
}
