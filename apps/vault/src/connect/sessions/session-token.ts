import { createHash } from 'node:crypto';
import { randomBase62, type Random } from '../../common/random';

/** Recognisable prefix of connect-session tokens, so secret scanners and support can tell them apart. */
export const SESSION_TOKEN_PREFIX = 'ap_cs_';
const SECRET_LENGTH = 32; // base62: ~190 bits
const TOKEN_PATTERN = /^ap_cs_[0-9A-Za-z]{32}$/;

/** A new connect-session token: `ap_cs_` + 32 base62 characters. */
export function newSessionToken(random: Random): string {
  return `${SESSION_TOKEN_PREFIX}${randomBase62(random, SECRET_LENGTH)}`;
}

/**
 * The stored form of a token. SHA-256 without salt is enough for 190 random bits (no dictionary
 * to attack) and keeps the lookup one indexed equality.
 */
export function hashSessionToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Whether a string has the shape of a session token (cheap refusal before any query). */
export function looksLikeSessionToken(value: string): boolean {
  return TOKEN_PATTERN.test(value);
}
