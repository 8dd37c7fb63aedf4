// Builds, once per test run, a migrated database that every test file clones: initdb of
// PGlite costs seconds, cloning its dumped data directory much less; on PostgreSQL a
// template database is copied by CREATE DATABASE ... TEMPLATE.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { openDatabase } from '../../apps/vault/src/database/database';
import { applyMigrations, readMigrations } from '../../apps/vault/src/database/migrator';

export const TEMPLATE_DB = 'authpipe_test_template';

/** Where the migrated PGlite template is dumped for this run. */
export function pgliteTemplatePath(): string {
  return path.join(os.tmpdir(), `authpipe-pglite-template-${process.pid}.tgz`);
}

export async function buildPgliteTemplate(file: string): Promise<void> {
  const pglite = await PGlite.create();
  const db = await openDatabase({ pglite });
  await applyMigrations(db, await readMigrations());
  await db.close();
  const dump = await pglite.dumpDataDir('gzip');
  await fs.writeFile(file, Buffer.from(await dump.arrayBuffer()));
  await pglite.close();
}

/** Replaces `url`'s database name. */
export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function buildPostgresTemplate(url: string): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  } finally {
    await admin.end();
  }
  const db = await openDatabase({ url: withDatabase(url, TEMPLATE_DB) });
  await applyMigrations(db, await readMigrations());
  await db.close();
}
