import { Inject, Injectable } from '@nestjs/common';
import { DATABASE } from '../database/database.module';
import type { Database } from '../database/database';
import { KeyJobBusyError } from './keys.errors';

// PGlite: one process, one database object; every KeyJobLock over it (several modules in one
// process, as in tests) must see the same held keys.
const heldByDatabase = new WeakMap<Database, Set<string>>();

// First half of the two-int advisory lock key; keeps key jobs apart from other advisory locks.
const KEY_JOB_LOCK_NAMESPACE = 72_616_102;

/**
 * Makes sure one key job (per lock key) runs at a time across replicas. On PostgreSQL it holds a
 * session advisory lock on a connection of its own for the job's duration, so a crashed replica
 * releases it with its connection. PGlite serves one process only, whose single session would
 * re-grant the lock to itself: there an in-process set is the whole truth. The in-process set also
 * answers a second start in the same process without a database round trip.
 */
@Injectable()
export class KeyJobLock {
  readonly #held: Set<string>;

  constructor(@Inject(DATABASE) private readonly db: Database) {
    let held = heldByDatabase.get(db);
    if (!held) heldByDatabase.set(db, (held = new Set()));
    this.#held = held;
  }

  /**
   * Runs `fn` while holding the lock.
   *
   * @throws KeyJobBusyError at once when the lock is held elsewhere.
   */
  async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    if (this.#held.has(key)) throw new KeyJobBusyError(key);
    this.#held.add(key);
    try {
      if (this.db.kind === 'pglite') return await fn();
      return await this.db.withConnection(async (conn) => {
        const [row] = await conn.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked', [
          KEY_JOB_LOCK_NAMESPACE,
          key,
        ]);
        if (!row?.locked) throw new KeyJobBusyError(key);
        try {
          return await fn();
        } finally {
          await conn.query('SELECT pg_advisory_unlock($1, hashtext($2))', [KEY_JOB_LOCK_NAMESPACE, key]);
        }
      });
    } finally {
      this.#held.delete(key);
    }
  }
}
