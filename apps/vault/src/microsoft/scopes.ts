import { resolveCloud, type CloudConfig } from '@authpipe/microsoft';

const OIDC = new Set(['openid', 'profile', 'email', 'offline_access']);
const GLOBAL_GRAPH = 'https://graph.microsoft.com';

/**
 * The scopes a user flow requests. Outside the global cloud, Graph permissions are named with
 * the cloud's Graph resource (`https://graph.microsoft.us/Files.Read`): a bare name means global
 * Graph, whose tokens that cloud's Graph refuses. OpenID scopes are never prefixed.
 */
export function requestScopes(cloud: CloudConfig, scopes: readonly string[]): string[] {
  const resource = resolveCloud(cloud).graphResource;
  if (resource === GLOBAL_GRAPH) return [...scopes];
  return scopes.map((s) => (OIDC.has(s.toLowerCase()) || s.includes('/') ? s : `${resource}/${s}`));
}

/** Granted scopes in catalogue form: the cloud's Graph resource prefix removed. */
export function grantedScopes(cloud: CloudConfig, scopes: readonly string[]): string[] {
  const prefix = `${resolveCloud(cloud).graphResource}/`;
  return [
    ...new Set(scopes.map((s) => (s.toLowerCase().startsWith(prefix.toLowerCase()) ? s.slice(prefix.length) : s))),
  ];
}
