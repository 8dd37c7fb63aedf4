import { hash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { hashApiKeySecret, parseApiKey, type ParsedApiKey } from './api-key-format';

/**
 * The bearer value a request presents in `Authorization`, hashed once: the per-key rate limit
 * (its bucket) and authentication (the comparison with the stored hash) both need a digest of
 * it, and on getCredential's warm path the second SHA-256 was a measurable share of a request.
 */
export interface PresentedKey {
  /** The key, when the value is a well-formed API key (checksum included); else null. */
  parsed: ParsedApiKey | null;
  /**
   * {@link hashApiKeySecret} of the parsed key (what the database stores), or SHA-256 of the
   * whole bearer value when it is not a well-formed key. Secret material: never log it.
   */
  digest: Buffer;
  /**
   * The first 128 bits of {@link digest} as base64url: the key's bucket for per-key limits (a
   * digest of the whole key, never its public id alone, which lists show). Worked out once here,
   * as the value is kept with a key that authenticated ({@link rememberAuthenticated}).
   */
  bucket: string;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** The presented key of an `Authorization` value; null without a bearer credential. */
export function presentedKey(authorization: string | undefined): PresentedKey | null {
  if (authorization === undefined) return null;
  const known = AUTHENTICATED.get(authorization);
  if (known !== undefined) return known;
  const match = BEARER.exec(authorization);
  if (match === null) return null;
  const parsed = parseApiKey(match[1]);
  const digest = parsed ? hashApiKeySecret(parsed) : hash('sha256', match[1], 'buffer');
  return { parsed, digest, bucket: digest.toString('base64url', 0, 16) };
}

/**
 * The presented keys of requests that authenticated lately, by their `Authorization` value. A
 * backend sends the same key on every call, and taking it apart again each time (the pattern, the
 * checksum, SHA-256) was about a tenth of a warm getCredential. Only values that authenticated are
 * kept ({@link rememberAuthenticated}), so made-up keys cannot fill it; at most {@link KEPT}, the
 * oldest dropped first; a created, revoked or removed key's entries go at once
 * ({@link forgetPresented}). An entry is what {@link presentedKey} would compute again, a pure
 * function of the value: authentication still compares the digest with the key store on every
 * request, revocation included, so an entry cannot be stale, only absent. The values are secrets
 * held in this process's memory, as each request's own header is for its duration; never logged.
 */
const AUTHENTICATED = new Map<string, PresentedKey>();
const KEPT = 1_000;

/**
 * The presented key of a value that authenticated lately, from {@link AUTHENTICATED} alone; null
 * for any other value, without parsing or hashing it (the caller leaves that to the full check).
 */
export function rememberedKey(authorization: string | undefined): PresentedKey | null {
  return authorization === undefined ? null : (AUTHENTICATED.get(authorization) ?? null);
}

/** Keeps the presented key of a value that just authenticated (see {@link AUTHENTICATED}). */
export function rememberAuthenticated(authorization: string, presented: PresentedKey): void {
  if (AUTHENTICATED.has(authorization)) return;
  // A Map iterates in insertion order: the first key is the oldest.
  if (AUTHENTICATED.size >= KEPT) AUTHENTICATED.delete(AUTHENTICATED.keys().next().value!);
  AUTHENTICATED.set(authorization, presented);
}

/** Drops what {@link rememberAuthenticated} kept of one key (by its public id), or of every key. */
export function forgetPresented(publicId?: string): void {
  if (publicId === undefined) {
    AUTHENTICATED.clear();
    return;
  }
  for (const [authorization, presented] of AUTHENTICATED) {
    if (presented.parsed?.publicId === publicId) AUTHENTICATED.delete(authorization);
  }
}

/**
 * Where a request keeps its presented key, computed on first use (the rate-limit hook) and reused
 * (authentication). A property of the request rather than a WeakMap entry: one per request, and
 * weak entries cost the garbage collector more.
 */
const PRESENTED = Symbol('authpipe.presentedKey');

type Carrier = IncomingMessage & { [PRESENTED]?: PresentedKey | null };

/** {@link presentedKey} of a request's `Authorization` header, hashed at most once per request. */
export function presentedKeyOf(request: IncomingMessage): PresentedKey | null {
  const carrier = request as Carrier;
  let presented = carrier[PRESENTED];
  if (presented === undefined) {
    presented = presentedKey(request.headers.authorization);
    carrier[PRESENTED] = presented;
  }
  return presented;
}
