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
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** The presented key of an `Authorization` value; null without a bearer credential. */
export function presentedKey(authorization: string | undefined): PresentedKey | null {
  const match = authorization === undefined ? null : BEARER.exec(authorization);
  if (match === null) return null;
  const parsed = parseApiKey(match[1]);
  return { parsed, digest: parsed ? hashApiKeySecret(parsed) : hash('sha256', match[1], 'buffer') };
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
