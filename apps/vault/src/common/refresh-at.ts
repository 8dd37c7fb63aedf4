import { schedulerRefreshAt } from '@authpipe/contract';
import type { Random } from './random';

/**
 * When a credential's token is next renewed, shared by everything that stores a token set: the
 * refresh (refresh/) and the connect flows that store a new credential's first one (connect/),
 * which cannot import each other's folders. Here, below both.
 */

/** A fraction in [0, 1) from the vault's randomness. */
export function jitterUnit(random: Random): number {
  return random.bytes(4).readUInt32BE(0) / 2 ** 32;
}

/**
 * When the scheduler should refresh a token issued at `now` that expires at `expiresAt`: with
 * about 20% of its lifetime left (at least the contract's SCHEDULER_MIN_LEAD_MS), minus up to 5%
 * at random, never in the past (expiry − lead − jitter, the contract's `schedulerRefreshAt`).
 */
export function refreshAtFor(now: number, expiresAt: Date, random: Random): Date {
  return new Date(schedulerRefreshAt(now, expiresAt.getTime(), jitterUnit(random)));
}
