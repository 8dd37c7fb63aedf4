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

/**
 * The PostgreSQL template of this run: named per process, so runs from two checkouts (or CI
 * beside a developer) on one server never drop each other's template.
 */
export function postgresTemplateName(): string {
  return `authpipe_test_template_${process.pid}`;
}

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

export async function buildPostgresTemplate(url: string, name: string): Promise<void> {
  await adminQuery(url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`, `CREATE DATABASE ${name}`);
  const db = await openDatabase({ url: withDatabase(url, name) });
  await applyMigrations(db, await readMigrations());
  await db.close();
}

export async function dropPostgresTemplate(url: string, name: string): Promise<void> {
  await adminQuery(url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

async function adminQuery(url: string, ...statements: string[]): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    for (const statement of statements) await admin.query(statement);
  } finally {
    await admin.end();
  }
}
