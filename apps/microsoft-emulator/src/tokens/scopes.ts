import { CLOUDS } from '../directory/clouds';
import type { CloudName } from '../directory/directory.types';
import { Aadsts } from '../identity/aadsts';

export const OIDC_SCOPES: ReadonlySet<string> = new Set(['openid', 'profile', 'email', 'offline_access']);

export interface ParsedScopes {
  /** Graph cloud the access token is for. */
  graphCloud: CloudName;
  /** Non-OIDC scopes as sent. */
  resourceScopes: string[];
  /** Bare permission names (`Files.Read`), `.default` included when asked for. */
  permissions: string[];
  oidcScopes: string[];
}

/** Graph clouds a login host can issue for: US Government L4 and L5 share one login host. */
function graphCloudsFor(originCloud: CloudName): CloudName[] {
  const loginHost = CLOUDS[originCloud].loginHost;
  return (Object.keys(CLOUDS) as CloudName[]).filter((c) => CLOUDS[c].loginHost === loginHost);
}

/**
 * Splits a v2.0 `scope` parameter into OIDC scopes and Graph permissions, and picks the Graph
 * the token is for from a resource-qualified scope (`https://dod-graph.microsoft.us/.default`).
 * Unqualified scopes mean Graph of the login host's cloud.
 * https://learn.microsoft.com/en-us/entra/identity-platform/scopes-oidc
 */
export function parseScopes(scope: string, originCloud: CloudName): ParsedScopes {
  const all = scope.split(/\s+/).filter(Boolean);
  const oidcScopes = all.filter((s) => OIDC_SCOPES.has(s.toLowerCase())).map((s) => s.toLowerCase());
  const resourceScopes = all.filter((s) => !OIDC_SCOPES.has(s.toLowerCase()));
  let graphCloud: CloudName = originCloud;
  const permissions: string[] = [];
  const candidates = graphCloudsFor(originCloud);
  for (const s of resourceScopes) {
    if (!/^https?:\/\//i.test(s)) {
      permissions.push(s);
      continue;
    }
    const url = new URL(s);
    const cloud = candidates.find((c) => CLOUDS[c].graphHost === url.hostname.toLowerCase());
    if (!cloud) throw Aadsts.invalidScope(s);
    graphCloud = cloud;
    permissions.push(url.pathname.replace(/^\//, ''));
  }
  return { graphCloud, resourceScopes, permissions, oidcScopes };
}
