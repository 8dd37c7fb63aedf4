import { hostname } from 'node:os';
import { randomBase62, type Random } from './random';

/** Injection token of this process's replica id (a string). */
export const REPLICA_ID = Symbol('REPLICA_ID');

/**
 * Names this vault process among its replicas (lease owners, logs): host, pid and a random
 * suffix, so a restarted process on the same host with a reused pid is still another replica.
 */
export function newReplicaId(random: Random): string {
  return `${hostname()}:${process.pid}:${randomBase62(random, 6)}`;
}
