// The OIDC `claims` request parameter as Entra reads it: client capabilities (`xms_cc`) and the
// Conditional Access policies (`polids`) a claims challenge named.
// https://learn.microsoft.com/en-us/entra/identity-platform/claims-challenge#client-capabilities
// https://learn.microsoft.com/en-us/entra/identity-platform/v2-conditional-access-dev-guide
import { Aadsts } from './aadsts';

export interface ClaimsRequest {
  /** Declared client capabilities, lower case (`cp1`). */
  capabilities: string[];
  /** Policy ids the client passes back from a Conditional Access challenge. */
  policyIds: string[];
}

export const NO_CLAIMS: ClaimsRequest = { capabilities: [], policyIds: [] };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The `values` (or, as Microsoft's own example spells it, `Values`) of one requested claim. */
function valuesOf(claim: unknown): string[] {
  if (!isObject(claim)) return [];
  const values = claim.values ?? claim.Values;
  return Array.isArray(values) ? values.filter((v): v is string => typeof v === 'string') : [];
}

/** Parses a `claims` parameter (JSON); a value that is not a JSON object is AADSTS90014 for `claims`. */
export function parseClaimsRequest(raw: string | undefined): ClaimsRequest {
  if (raw === undefined || raw === '') return NO_CLAIMS;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw Aadsts.invalidParameter('claims');
  }
  if (!isObject(parsed)) throw Aadsts.invalidParameter('claims');
  const accessToken = parsed.access_token;
  if (!isObject(accessToken)) return NO_CLAIMS;
  return {
    capabilities: valuesOf(accessToken.xms_cc).map((c) => c.toLowerCase()),
    policyIds: valuesOf(accessToken.polids).map((p) => p.toLowerCase()),
  };
}

/** Whether the client declared it can handle claims challenges (capability values are case-insensitive). */
export function handlesClaimsChallenges(claims: ClaimsRequest): boolean {
  return claims.capabilities.includes('cp1');
}

/** The claims request of a Conditional Access challenge, in the shape the developer guide shows. */
export function challengeClaims(policyIds: readonly string[]): string {
  return JSON.stringify({ access_token: { polids: { essential: true, Values: policyIds } } });
}
