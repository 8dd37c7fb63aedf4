// The client's small pieces: checking inputs, freezing and caching answers, sharing one request
// among callers that may each give up.
import { Readable } from 'node:stream';
import { AuthpipeError } from './errors.js';
import { assertKeyPart, type CacheEntry, type CredentialKeyParts } from './credential-cache.js';
import type { Credential, ProxyInput } from './types.js';
import { SDK_REVALIDATE_COOLDOWN_MS } from './wire.js';

/**
 * `shared` for one caller that may give up: its abort rejects its own promise only, since the
 * request is shared with every other caller of the key (and still fills the cache).
 */
export function untilAborted<T>(shared: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(abortReason(signal));
    signal.addEventListener('abort', abort, { once: true });
    shared.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException('The operation was aborted.', 'AbortError');
}

/** The validated parts of a credential key; throws a TypeError naming the bad one. */
export function keyParts(input: CredentialKeyParts): CredentialKeyParts {
  assertKeyPart('provider', input.provider);
  assertKeyPart('tenantId', input.tenantId);
  if (input.credentialFor === 'user') {
    assertKeyPart('userId', input.userId);
    return { provider: input.provider, tenantId: input.tenantId, credentialFor: 'user', userId: input.userId };
  }
  if (input.credentialFor !== 'installation') throw new TypeError("credentialFor must be 'installation' or 'user'.");
  if (input.userId !== undefined)
    throw new TypeError("userId is only for credentialFor 'user' (an installation is the whole tenant's).");
  return { provider: input.provider, tenantId: input.tenantId, credentialFor: 'installation' };
}

/** The cache entry of a served credential. */
export function entryOf(credential: Credential, now: number): CacheEntry<Credential> {
  return {
    value: credential,
    expiresAtMs: Date.parse(credential.expiresAt),
    credentialId: credential.credentialId,
    revalidateAfterMs: now + SDK_REVALIDATE_COOLDOWN_MS,
  };
}

/** Shared by every caller of one key: frozen so that no caller can change what the next one gets. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * Refuses dot segments (also percent-encoded, which URL parsing resolves alike) and backslashes:
 * `../../v1/credentials/...` would otherwise leave the proxy for another vault route, with the key.
 */
export function assertGraphPath(path: string): void {
  const [pathOnly = ''] = path.split(/[?#]/, 1);
  const dotSegment = pathOnly.split('/').some((part) => /^(?:\.|%2e){1,2}$/i.test(part));
  if (dotSegment || pathOnly.includes('\\'))
    throw new TypeError('proxy: path must be a Graph path without dot segments or backslashes.');
}

/** One path segment, percent-encoded. */
export function segment(value: string): string {
  return encodeURIComponent(value);
}

/** The vault URL without a trailing slash; a `configuration_error` when it is not http(s). */
export function normalizedBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw configurationError(`The vault URL ${JSON.stringify(baseUrl)} is not a URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw configurationError('The vault URL must be http:// or https://.');
  return url.href.replace(/\/+$/, '');
}

/** A request body fetch accepts: a Node stream becomes a web stream. */
export function webBody(body: ProxyInput['body']): RequestInit['body'] | undefined {
  if (body === undefined || body === null) return undefined;
  if (body instanceof Readable) return Readable.toWeb(body) as ReadableStream;
  return body as RequestInit['body'];
}

/** The error of a missing or bad setting. */
export function configurationError(message: string): AuthpipeError {
  return new AuthpipeError({ code: 'configuration_error', message, status: 0 });
}
