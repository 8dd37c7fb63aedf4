// getCredential's params and query, accepted by hand when they are plainly valid, else checked by
// the contract's schemas. Why by hand: zod's parse of these two small objects (strict objects,
// refined id strings, an enum with a default, a cross-field refinement) was about 5 % of a warm
// read's CPU. The hand check only ever *accepts*, and only what the schemas accept with the same
// result (the spec compares the two): anything it is not sure of (a non-ASCII or long id, an
// unknown or repeated key, a missing userId…) goes to the schema, which refuses it with the
// contract's error or accepts it. So the accepted set and every error stay the schema's.
import type { GetCredentialQuery } from '@authpipe/contract';

/** The params of GET /v1/credentials/:provider. */
export interface GetCredentialParams {
  provider: string;
}

/**
 * Printable ASCII without space: such a string has no control, bidi or lone-surrogate character
 * and is not blank, which is all the contract's id rules refuse beyond length.
 */
const PLAIN = /^[\x21-\x7e]+$/;
const QUERY_KEYS = new Set(['tenantId', 'userId', 'credentialFor', 'forceRefresh']);

function plainId(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length <= max && PLAIN.test(value);
}

/** The params when plainly valid (the schema would accept them as they are), else null. */
export function plainParams(params: unknown): GetCredentialParams | null {
  if (typeof params !== 'object' || params === null) return null;
  const { provider, ...rest } = params as Record<string, unknown>;
  for (const _ in rest) return null;
  return plainId(provider, 100) ? { provider } : null;
}

/** The query as the schema would parse it, when plainly valid; else null. */
export function plainQuery(query: unknown): GetCredentialQuery | null {
  if (typeof query !== 'object' || query === null) return null;
  const q = query as Record<string, unknown>;
  for (const key in q) if (!QUERY_KEYS.has(key)) return null;
  const { tenantId, userId, credentialFor, forceRefresh: given } = q;
  if (!plainId(tenantId, 200)) return null;
  if (given !== undefined && given !== 'true' && given !== 'false') return null;
  const forceRefresh = given ?? 'false';
  if (credentialFor === 'user') return plainId(userId, 200) ? { tenantId, userId, credentialFor, forceRefresh } : null;
  if (credentialFor === 'installation' && userId === undefined) return { tenantId, credentialFor, forceRefresh };
  return null;
}
