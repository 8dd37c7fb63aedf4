import type { Database } from '../database/database';
import type { InvalidationMessage } from './bus.messages';

type Deliver = (message: InvalidationMessage) => void;

// PGlite serves one process, and every vault over one database object in that process (the
// server, replicas in tests) joins the same hub: the in-process stand-in for LISTEN/NOTIFY.
const hubs = new WeakMap<Database, Set<Deliver>>();

/** Joins the hub of `db`; returns the function that leaves it. */
export function joinInProcessHub(db: Database, deliver: Deliver): () => void {
  let members = hubs.get(db);
  if (!members) hubs.set(db, (members = new Set()));
  members.add(deliver);
  return () => members.delete(deliver);
}

/** Delivers `message` to every member of the hub of `db`, the sender included, synchronously. */
export function broadcastInProcess(db: Database, message: InvalidationMessage): void {
  for (const deliver of [...(hubs.get(db) ?? [])]) deliver(message);
}
