// Failure injection in the database itself (not a mock): a trigger on each watched table raises
// when a matching row of `test_faults` says so, so a test can make the Nth statement of a change
// fail and look at what became visible.
import type { Database } from '../../apps/vault/src/database/database';

export interface Fault {
  table: string;
  /** INSERT, UPDATE or DELETE; any when absent. */
  op?: 'INSERT' | 'UPDATE' | 'DELETE';
  /** Fail only rows whose JSON contains this text (an id, a field name). */
  needle?: string;
}

/** Installs the fault trigger on `tables` (once per database). */
export async function installFaultTriggers(db: Database, tables: string[]): Promise<void> {
  await db.exec(`CREATE TABLE IF NOT EXISTS test_faults (table_name text NOT NULL, op text, needle text)`);
  await db.exec(`CREATE OR REPLACE FUNCTION test_fault() RETURNS trigger AS $$
    DECLARE
      f record;
      body text := CASE WHEN TG_OP = 'DELETE' THEN row_to_json(OLD)::text ELSE row_to_json(NEW)::text END;
    BEGIN
      FOR f IN SELECT * FROM test_faults WHERE table_name = TG_TABLE_NAME AND (op IS NULL OR op = TG_OP) LOOP
        IF f.needle IS NULL OR position(f.needle IN body) > 0 THEN
          RAISE EXCEPTION 'injected fault: % on %', TG_OP, TG_TABLE_NAME;
        END IF;
      END LOOP;
      RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END $$ LANGUAGE plpgsql`);
  for (const table of tables) {
    await db.exec(`DROP TRIGGER IF EXISTS test_fault_trigger ON "${table}"`);
    await db.exec(
      `CREATE TRIGGER test_fault_trigger BEFORE INSERT OR UPDATE OR DELETE ON "${table}" FOR EACH ROW EXECUTE FUNCTION test_fault()`,
    );
  }
}

export async function injectFault(db: Database, fault: Fault): Promise<void> {
  await db.query(`INSERT INTO test_faults (table_name, op, needle) VALUES ($1, $2, $3)`, [
    fault.table,
    fault.op ?? null,
    fault.needle ?? null,
  ]);
}

export async function clearFaults(db: Database): Promise<void> {
  await db.exec(`DELETE FROM test_faults`);
}
