import fs from 'node:fs/promises';
import type { PGlite } from '@electric-sql/pglite';
import type { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '@authpipe/prisma';

/**
 * The vault's database: a Prisma client plus the raw driver underneath it, which the
 * migrator (multi-statement SQL, advisory locks) and health checks need. Only repositories
 * use `prisma`; only database infrastructure uses the raw methods.
 */
export interface Database {
  readonly kind: 'pglite' | 'postgres';
  readonly prisma: PrismaClient;
  /** Runs one or more statements without parameters. */
  exec(sql: string): Promise<void>;
  query<T extends object>(sql: string, params?: unknown[]): Promise<T[]>;
  /**
   * Like `query`, as a named prepared statement: PostgreSQL parses and plans it once per
   * connection. For the few statements on a hot path; `name` must always stand for the same SQL.
   */
  prepared<T extends object>(name: string, sql: string, params: unknown[]): Promise<T[]>;
  /** Runs `fn` on one dedicated connection (PGlite has only one). */
  withConnection<T>(fn: (conn: RawConnection) => Promise<T>): Promise<T>;
  /**
   * PostgreSQL: a new client outside the pool, not yet connected, for a session that must stay
   * its own for as long as the process runs (the invalidation bus's LISTEN). The caller connects
   * and ends it. Null on PGlite, which has one session only.
   */
  dedicatedClient(applicationName: string): pg.Client | null;
  close(): Promise<void>;
}

export interface RawConnection {
  exec(sql: string): Promise<void>;
  query<T extends object>(sql: string, params?: unknown[]): Promise<T[]>;
}

export type DatabaseTarget = { url: string } | { pgliteDir: string } | { pglite: PGlite };

/** Opens PostgreSQL (`url`) or PGlite (a data directory, or an instance a test made). */
export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  if ('url' in target) return openPostgres(target.url);
  if ('pglite' in target) return fromPGlite(target.pglite, false);
  await fs.mkdir(target.pgliteDir, { recursive: true });
  // Loaded only for the embedded database: PostgreSQL deployments and CLI commands skip its WASM.
  const pglite = (await import('@electric-sql/pglite')) as unknown as { PGlite: typeof PGlite };
  return fromPGlite(await pglite.PGlite.create(target.pgliteDir), true);
}

async function fromPGlite(pglite: PGlite, ownsInstance: boolean): Promise<Database> {
  const adapter = (await import('pglite-prisma-adapter')) as unknown as { PrismaPGlite: typeof PrismaPGlite };
  const prisma = new PrismaClient({ adapter: new adapter.PrismaPGlite(pglite) });
  const conn: RawConnection = {
    exec: async (sql) => {
      await pglite.exec(sql);
    },
    query: async <T extends object>(sql: string, params: unknown[] = []) => (await pglite.query<T>(sql, params)).rows,
  };
  // PGlite is one session: callers that need a connection of their own (BEGIN ... COMMIT,
  // session locks) take turns, as they would queue for a one-connection pool.
  let turn: Promise<unknown> = Promise.resolve();
  return {
    kind: 'pglite',
    prisma,
    ...conn,
    // One in-process session: nothing to prepare across connections.
    prepared: (_name, sql, params) => conn.query(sql, params),
    withConnection: <T>(fn: (c: RawConnection) => Promise<T>) => {
      const run = turn.then(() => fn(conn));
      turn = run.catch(() => undefined);
      return run;
    },
    dedicatedClient: () => null,
    close: async () => {
      await prisma.$disconnect();
      if (ownsInstance) await pglite.close();
    },
  };
}

async function openPostgres(url: string): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle client can be terminated by the server (restart, failover, DROP DATABASE ... FORCE);
  // without a listener pg re-emits that as an uncaught error. The pool replaces the client on
  // the next checkout, so there is nothing to do but not crash.
  pool.on('error', () => undefined);
  // Fail fast with a clear error rather than on the first query.
  const probe = await pool.connect();
  probe.release();
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  const onClient = (client: pg.ClientBase): RawConnection => ({
    exec: async (sql) => {
      await client.query(sql);
    },
    query: async <T extends object>(sql: string, params: unknown[] = []) =>
      (await client.query<T & pg.QueryResultRow>(sql, params)).rows,
  });
  return {
    kind: 'postgres',
    prisma,
    exec: async (sql) => {
      await pool.query(sql);
    },
    query: async <T extends object>(sql: string, params: unknown[] = []) =>
      (await pool.query<T & pg.QueryResultRow>(sql, params)).rows,
    prepared: async <T extends object>(name: string, sql: string, params: unknown[]) =>
      (await pool.query<T & pg.QueryResultRow>({ name, text: sql, values: params })).rows,
    // TCP keep-alive lets the OS notice a dead peer even on a session that only listens.
    dedicatedClient: (applicationName) =>
      new pg.Client({ connectionString: url, application_name: applicationName, keepAlive: true }),
    withConnection: async (fn) => {
      const client = await pool.connect();
      try {
        return await fn(onClient(client));
      } finally {
        client.release();
      }
    },
    close: async () => {
      await prisma.$disconnect();
      await pool.end().catch(() => undefined);
    },
  };
}
