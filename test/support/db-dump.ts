import type { Database } from '../../apps/vault/src/database/database';

/** Every row of every table in the public schema, as text, bytea shown as hex: a raw dump. */
export async function dumpDatabase(db: Database): Promise<Record<string, string[]>> {
  const tables = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  const dump: Record<string, string[]> = {};
  for (const { table_name: table } of tables) {
    // row_to_json renders bytea as \x hex and every other type as text: the whole row, no column left out.
    const rows = await db.query<{ row: string }>(`SELECT row_to_json(t)::text AS "row" FROM "${table}" t`);
    dump[table] = rows.map((r) => r.row).sort();
  }
  return dump;
}

/** The raw dump as one text: what a secret stored in clear would show up in. */
export async function dumpText(db: Database): Promise<string> {
  return JSON.stringify(await dumpDatabase(db));
}
