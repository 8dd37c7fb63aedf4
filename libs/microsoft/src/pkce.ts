// PKCE (RFC 7636) with S256, the only method Authpipe uses; plain is never offered.
import { createHash, randomBytes } from 'node:crypto';

/** A PKCE verifier (keep server-side, never log) and its S256 challenge (sent in the authorize URL). */
export interface PkcePair {
  codeVerifier: string;
  codeChallenge: string;
}

/** The S256 challenge of a verifier. */
export function pkceChallenge(codeVerifier: string): string {
  return createHash('sha256').update(codeVerifier, 'ascii').digest('base64url');
}

/** A fresh verifier of 43 characters (32 random bytes) and its challenge; `random` is injectable for tests. */
export function createPkcePair(random: (size: number) => Buffer = randomBytes): PkcePair {
  const codeVerifier = random(32).toString('base64url');
  return { codeVerifier, codeChallenge: pkceChallenge(codeVerifier) };
}
