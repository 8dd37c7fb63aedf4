import { describe, expect, it } from 'vitest';
import { readPrismaSchema } from '@test/support/prisma-schema';
import { useTestDatabase } from '@test/support/test-database';

// Prisma's own drift check (`prisma migrate diff`) needs the schema engine binary, which
// cannot be downloaded without internet access. This test compares prisma/schema.prisma with
// the database the SQL migrations produce: same tables, columns, types, nullability, indexes.
describe('schema.prisma and prisma/migrations', () => {
  const db = useTestDatabase();
  const schema = readPrismaSchema();

  it('create the same tables', async () => {
    const rows = await db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables
       WHERE table_schema = 'public' AND table_name <> '_prisma_migrations' ORDER BY table_name`,
    );
    expect(rows.map((r) => r.table_name)).toEqual(schema.map((t) => t.table).sort());
  });

  it.each(schema.map((t) => [t.table, t] as const))('give table %s the same columns', async (table, expected) => {
    const rows = await db.query<{ column_name: string; udt_name: string; is_nullable: string }>(
      `SELECT column_name, udt_name, is_nullable FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name = $1`,
      [table],
    );
    const actual = rows
      .map((r) => ({ column: r.column_name, udt: r.udt_name, nullable: r.is_nullable === 'YES' }))
      .sort((a, b) => a.column.localeCompare(b.column));
    expect(actual).toEqual([...expected.columns].sort((a, b) => a.column.localeCompare(b.column)));
  });

  it.each(schema.map((t) => [t.table, t] as const))('give table %s the same indexes', async (table, expected) => {
    const rows = await db.query<{ indexdef: string }>(
      `SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = $1`,
      [table],
    );
    const actual = rows
      .map((r) => {
        const [, unique, cols, where] = /CREATE (UNIQUE )?INDEX .* USING btree \(([^)]*)\)(?: WHERE (.*))?$/.exec(
          r.indexdef,
        )!;
        const index = { columns: cols.split(',').map((c) => c.trim().replace(/"/g, '')), unique: Boolean(unique) };
        return where === undefined ? index : { ...index, where };
      })
      .sort((a, b) => a.columns.join().localeCompare(b.columns.join()));
    // A partial index's predicate as PostgreSQL prints it (schema.prisma has it as written).
    const wanted = await Promise.all(
      expected.indexes.map(async (index) =>
        index.where === undefined
          ? index
          : { ...index, where: await storedPredicate(table, index.columns, index.where) },
      ),
    );
    expect(actual).toEqual(wanted.sort((a, b) => a.columns.join().localeCompare(b.columns.join())));
  });

  /** `where` as PostgreSQL stores and prints it: an index on a throwaway copy of the table, rolled back. */
  function storedPredicate(table: string, columns: string[], where: string): Promise<string> {
    return db.withConnection(async (conn) => {
      await conn.exec('BEGIN');
      try {
        await conn.exec(`CREATE TEMP TABLE drift_check (LIKE "${table}")`);
        await conn.exec(
          `CREATE INDEX drift_check_idx ON drift_check (${columns.map((c) => `"${c}"`).join(', ')}) WHERE ${where}`,
        );
        const [row] = await conn.query<{ indexdef: string }>(
          `SELECT pg_get_indexdef('drift_check_idx'::regclass) AS indexdef`,
        );
        return / WHERE (.*)$/.exec(row.indexdef)![1];
      } finally {
        await conn.exec('ROLLBACK');
      }
    });
  }
});
