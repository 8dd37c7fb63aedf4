import { randomBytes } from 'node:crypto';

/** Injection token of the vault's {@link Random}. */
export const RANDOM = Symbol('RANDOM');

/**
 * The vault's one source of randomness: ids, tokens, OAuth states, nonces, binding cookies and
 * error ids all come from here, so a test can replace it and nothing else calls the CSPRNG.
 * (libs/crypto draws its AES-GCM nonces itself: a primitive, not a seam.)
 */
export interface Random {
  /** `length` bytes from a cryptographically secure generator. */
  bytes(length: number): Buffer;
}

/** Bytes drawn from the CSPRNG at once for {@link cryptoRandom}'s small draws. */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let pooled = 0;

/**
 * Node's CSPRNG. Small draws come from a pool filled 4 KiB at a time, as Node's randomUUID does
 * for its own: each call into the CSPRNG costs far more than the bytes (in the refresh
 * benchmark's profile, ~25 µs for a 4-byte draw; a refresh makes several: its jitter, row ids).
 * Every byte is handed out once and wiped from the pool as it is.
 */
export const cryptoRandom: Random = {
  bytes: (length) => {
    if (length > POOL_BYTES / 8) return randomBytes(length);
    if (pooled + length > pool.length) {
      pool = randomBytes(POOL_BYTES);
      pooled = 0;
    }
    const out = Buffer.allocUnsafe(length);
    pool.copy(out, 0, pooled, pooled + length);
    pool.fill(0, pooled, pooled + length);
    pooled += length;
    return out;
  },
};

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Random base62 text; rejection sampling keeps every character equally likely. */
export function randomBase62(random: Random, length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of random.bytes(length * 2)) {
      // 248 = 4 * 62: bytes at or above it would favour the first characters.
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

/** `bytes` random bytes as base64url text (43 characters for 32 bytes). */
export function randomToken(random: Random, bytes: number): string {
  return random.bytes(bytes).toString('base64url');
}
