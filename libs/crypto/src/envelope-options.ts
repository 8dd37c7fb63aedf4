import { z } from 'zod';
import type { DataKeyStore } from './data-key-store';
import type { KeyProvider } from './master-keys';

/**
 * Default rotation threshold: below NIST SP 800-38D's 2^32 limit for random 96-bit GCM nonces, with
 * a 2^24 margin so a counter restored from a slightly stale backup still stays under the bound.
 */
export const DEFAULT_ROTATE_AFTER_USES = 2 ** 32 - 2 ** 24;
/** Default number of uses a replica reserves from the store at once. */
export const DEFAULT_RESERVE_BLOCK = 1024;
/** Default unwrapped-DEK cache bounds. */
export const DEFAULT_DATA_KEY_CACHE = { maxEntries: 10_000, ttlMs: 5 * 60_000 } as const;

/** Options of {@link Envelope}. */
export interface EnvelopeOptions {
  keyProvider: KeyProvider;
  store: DataKeyStore;
  /** Unwrapped-DEK cache bounds; defaults to {@link DEFAULT_DATA_KEY_CACHE}. */
  cache?: { maxEntries?: number; ttlMs?: number };
  /** Encryptions per DEK version before a new version is created (1 .. 2^32). */
  rotateAfterUses?: number;
  /** Uses reserved from the store per round trip; larger = fewer writes, more uses lost on restart. */
  reserveBlock?: number;
  /** Owners whose reserved use block is tracked in memory (LRU); a dropped one just reserves anew. */
  maxTrackedOwners?: number;
  /** Milliseconds clock for cache TTLs; injected by tests. */
  clock?: () => number;
  /** Randomness for DEKs and nonces; injected by tests. Defaults to Node's CSPRNG. */
  randomBytes?: (size: number) => Buffer;
}

/** Validates the numeric options once at construction. */
export const envelopeOptionsSchema = z.object({
  cache: z
    .object({ maxEntries: z.number().int().min(1).optional(), ttlMs: z.number().int().min(1).optional() })
    .optional(),
  rotateAfterUses: z
    .number()
    .int()
    .min(1)
    .max(2 ** 32)
    .optional(),
  reserveBlock: z
    .number()
    .int()
    .min(1)
    .max(2 ** 24)
    .optional(),
  maxTrackedOwners: z.number().int().min(1).optional(),
});
