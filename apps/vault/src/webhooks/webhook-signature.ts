// Standard Webhooks signing (https://www.standardwebhooks.com/, spec "Signature scheme"):
// `webhook-signature` is a space-separated list of `v1,<base64 HMAC-SHA256>` over
// `<webhook-id>.<webhook-timestamp>.<body>`, keyed by the secret's bytes (the base64 after
// `whsec_`). One signature per active secret, so a receiver holding either secret during a
// rotation verifies the message.
import { createHmac } from 'node:crypto';
import type { Random } from '../common/random';

/** Prefix of a signing secret as shown to the user (the Standard Webhooks convention). */
export const SECRET_PREFIX = 'whsec_';

/** Key length of a new signing secret, in bytes (the spec allows 24 to 64). */
export const SECRET_BYTES = 32;

/** A new signing secret's key bytes. */
export function newSecretKey(random: Random): Buffer {
  return random.bytes(SECRET_BYTES);
}

/** The secret as the user copies it: `whsec_<base64 key>`. */
export function formatSecret(key: Buffer): string {
  return `${SECRET_PREFIX}${key.toString('base64')}`;
}

/** One `v1,<signature>` entry. */
export function signV1(key: Buffer, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`, 'utf8').digest('base64');
  return `v1,${mac}`;
}

/** The `webhook-signature` header value: one signature per key, space-separated. */
export function signatureHeader(keys: readonly Buffer[], id: string, timestampSeconds: number, body: string): string {
  return keys.map((key) => signV1(key, id, timestampSeconds, body)).join(' ');
}
