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
        const [, unique, cols] = /CREATE (UNIQUE )?INDEX .* USING btree \((.*)\)$/.exec(r.indexdef)!;
        return { columns: cols.split(',').map((c) => c.trim().replace(/"/g, '')), unique: Boolean(unique) };
      })
      .sort((a, b) => a.columns.join().localeCompare(b.columns.join()));
    expect(actual).toEqual([...expected.indexes].sort((a, b) => a.columns.join().localeCompare(b.columns.join())));
  });
});
