import { createHash, randomBytes } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * A drive item id shaped like OneDrive for Business ids: "01" and 32 upper-case base32
 * characters. Clients must treat them as opaque, but realistic shapes catch code that does not.
 */
export function newItemId(): string {
  const bytes = randomBytes(32);
  let id = '01';
  for (const byte of bytes) id += BASE32[byte % 32];
  return id;
}

/** A business drive id ("b!" and base64url), stable for a given seed so a user's OneDrive keeps its id. */
export function driveIdFor(seed: string): string {
  return `b!${createHash('sha256').update(seed).digest('base64url').slice(0, 40)}`;
}

/**
 * A client secret shaped like Entra's (three characters, a "~" marker, then random text), so
 * code that logs the first characters of a secret is caught by the same patterns as production.
 */
export function newClientSecretValue(): string {
  const body = randomBytes(30).toString('base64url').replace(/[-_]/g, 'x');
  return `${body.slice(0, 3)}8Q~${body.slice(3, 40)}`;
}
