import fs from 'node:fs/promises';
import path from 'node:path';
import { openDatabase, type Database } from '../database/database';

/**
 * The embedded database is held by another live process (usually a running vault). PGlite
 * does not stop a second process from opening the same directory, and two writers would
 * corrupt it, so the vault and the CLI take a lock file first.
 */
export class EmbeddedDatabaseBusyError extends Error {
  readonly code = 'embedded_database_busy';

  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `The embedded database in ${dataDir} is in use by process ${pid} (a running vault?). ` +
        'PGlite allows one process per data directory: stop that process, or set DATABASE_URL to use PostgreSQL, ' +
        'which any number of processes can share.',
    );
    this.name = 'EmbeddedDatabaseBusyError';
  }
}

/** Path of the lock file beside a PGlite data directory. */
export function embeddedLockPath(pgliteDir: string): string {
  return `${path.resolve(pgliteDir)}.lock`;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the directory's lock (pid file created exclusively; a stale one left by a dead
 * process is replaced) and returns its release function.
 */
export async function lockEmbeddedDirectory(pgliteDir: string): Promise<() => Promise<void>> {
  const file = embeddedLockPath(pgliteDir);
  await fs.mkdir(path.dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await fs.writeFile(file, String(process.pid), { flag: 'wx', mode: 0o600 });
      return async () => {
        await fs.rm(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(await fs.readFile(file, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
        throw new EmbeddedDatabaseBusyError(path.resolve(pgliteDir), holder);
      }
      // Stale (its process died without releasing it) or unreadable: take it over.
      await fs.rm(file, { force: true });
    }
  }
  throw new Error(`Could not take the lock ${file}`);
}

/** Opens the embedded PGlite database under its lock; closing the database releases the lock. */
export async function openEmbeddedDatabase(pgliteDir: string): Promise<Database> {
  const release = await lockEmbeddedDirectory(pgliteDir);
  let db: Database;
  try {
    db = await openDatabase({ pgliteDir });
  } catch (error) {
    await release();
    throw error;
  }
  return {
    ...db,
    close: async () => {
      try {
        await db.close();
      } finally {
        await release();
      }
    },
  };
}
