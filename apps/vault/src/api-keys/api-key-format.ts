import { hash, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { randomBase62, type Random } from '../common/random';

/**
 * Secret API keys look like `ap_sk_<publicId>_<secret>_<checksum>`:
 *
 * - `ap_sk_`: a fixed prefix secret scanners (GitHub, gitleaks) can match on;
 * - `publicId`: 12 base62 characters (~71 bits), the lookup key; not secret, shown in lists;
 * - `secret`: 40 base62 characters (~238 bits) from the CSPRNG;
 * - `checksum`: CRC-32 of everything before it, as 6 base62 characters, so a scanner can tell
 *   a real key from random text offline and a typo is rejected before any database lookup.
 *
 * Only SHA-256(publicId + secret) is stored. A slow password hash (bcrypt, scrypt) protects
 * low-entropy human passwords against guessing; with 238 random bits guessing is hopeless
 * anyway, and a slow hash would cost milliseconds on every authenticated request.
 */
export const API_KEY_PREFIX = 'ap_sk_';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'; // the checksum's alphabet
const PUBLIC_ID_LENGTH = 12;
const SECRET_LENGTH = 40;
const CHECKSUM_LENGTH = 6;
const KEY_PATTERN = new RegExp(
  `^${API_KEY_PREFIX}([0-9A-Za-z]{${PUBLIC_ID_LENGTH}})_([0-9A-Za-z]{${SECRET_LENGTH}})_([0-9A-Za-z]{${CHECKSUM_LENGTH}})$`,
);

/** The parts of a well-formed key. */
export interface ParsedApiKey {
  publicId: string;
  secret: string;
}

function base62Fixed(value: number, length: number): string {
  let out = '';
  for (let v = value; out.length < length; v = Math.floor(v / 62)) out = BASE62[v % 62] + out;
  return out;
}

function checksum(body: string): string {
  return base62Fixed(crc32(body), CHECKSUM_LENGTH);
}

/** Builds a new key; the caller shows `text` once and stores only {@link hashApiKeySecret}. */
export function generateApiKey(random: Random): ParsedApiKey & { text: string } {
  const publicId = randomBase62(random, PUBLIC_ID_LENGTH);
  const secret = randomBase62(random, SECRET_LENGTH);
  return { publicId, secret, text: formatApiKey({ publicId, secret }) };
}

/** The text of a key from its parts, checksum included. */
export function formatApiKey(key: ParsedApiKey): string {
  const body = `${API_KEY_PREFIX}${key.publicId}_${key.secret}`;
  return `${body}_${checksum(body)}`;
}

/** Parses a key's text; null when it is not a well-formed key with a valid checksum. */
export function parseApiKey(text: string): ParsedApiKey | null {
  const match = KEY_PATTERN.exec(text);
  if (!match) return null;
  const [, publicId, secret, sum] = match as unknown as [string, string, string, string];
  if (checksum(`${API_KEY_PREFIX}${publicId}_${secret}`) !== sum) return null;
  return { publicId, secret };
}

/**
 * The stored form of a key: SHA-256 of `publicId`, a NUL byte and `secret`, binding the secret to
 * its public id. One-shot `crypto.hash` rather than a Hash object: the same digest, without the
 * object and its stream machinery, on every authenticated request.
 */
export function hashApiKeySecret(key: ParsedApiKey): Buffer {
  return hash('sha256', `${key.publicId}\0${key.secret}`, 'buffer');
}

/** Constant-time comparison of a presented key against a stored hash. */
export function apiKeyMatches(key: ParsedApiKey, storedHash: Uint8Array): boolean {
  return digestMatches(hashApiKeySecret(key), storedHash);
}

/** Constant-time comparison of a presented key's {@link hashApiKeySecret} against a stored hash. */
export function digestMatches(presented: Uint8Array, storedHash: Uint8Array): boolean {
  return storedHash.length === presented.length && timingSafeEqual(presented, storedHash);
}

/** The last four characters of a key's text, shown in lists to tell keys apart. */
export function lastFourOf(text: string): string {
  return text.slice(-4);
}
