import { z } from 'zod';

/** Where a credential's token set is kept in `secrets`: one field of its record. */
export const TOKEN_SET_FIELD = 'tokenSet';

/**
 * Everything secret a credential holds, encrypted as ONE ciphertext (so a change replaces all of
 * it at once, a refresh can never keep a new access token beside an old refresh token, and a
 * cold read decrypts once), and read back through this schema. Versioned: a later shape adds a
 * `v` and a conversion.
 */
export const tokenSetSchema = z.strictObject({
  v: z.literal(1),
  accessToken: z.string().min(1),
  /** Delegated credentials only; rotated by Microsoft on refresh. */
  refreshToken: z.string().min(1).nullable(),
  /** When the access token expires (ISO 8601). */
  expiresAt: z.iso.datetime(),
  /** Scopes (delegated) or roles (app-only) the access token carries. */
  scopes: z.array(z.string()),
});
export type TokenSet = z.infer<typeof tokenSetSchema>;

/** What a flow or a refresh obtained, to store as a token set. */
export interface Tokens {
  accessToken: string;
  refreshToken: string | null;
  expiresAt: Date;
  scopes: string[];
}

/** The plaintext of a token set (JSON). Holds secrets: never log it. */
export function serializeTokenSet(tokens: Tokens): Buffer {
  const set: TokenSet = {
    v: 1,
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    expiresAt: tokens.expiresAt.toISOString(),
    scopes: tokens.scopes,
  };
  return Buffer.from(JSON.stringify(set), 'utf8');
}

/**
 * The token set of a decrypted plaintext.
 *
 * @throws Error naming only the failed check, never a value, when the plaintext is not a token set.
 */
export function parseTokenSet(plaintext: Buffer): Tokens {
  let json: unknown;
  try {
    json = JSON.parse(plaintext.toString('utf8'));
  } catch {
    throw new Error('A stored token set is not JSON');
  }
  const parsed = tokenSetSchema.safeParse(json);
  if (!parsed.success)
    throw new Error(`A stored token set does not match its schema (${parsed.error.issues[0]?.path.join('.') ?? '?'})`);
  const set = parsed.data;
  return {
    accessToken: set.accessToken,
    refreshToken: set.refreshToken,
    expiresAt: new Date(set.expiresAt),
    scopes: set.scopes,
  };
}
