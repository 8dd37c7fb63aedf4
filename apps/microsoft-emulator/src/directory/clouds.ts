// Hosts of the four national clouds the emulator answers as. A request whose Host header names a
// real Microsoft host answers as that host's cloud with that cloud's real URLs; any other host
// (127.0.0.1:PORT, localhost) answers as 'global' with URLs built from the request's own origin.
// https://learn.microsoft.com/en-us/entra/identity-platform/authentication-national-cloud
// https://learn.microsoft.com/en-us/graph/deployments
import type { CloudName } from './directory.types';

export interface CloudHosts {
  name: CloudName;
  /** Microsoft Entra login host of the cloud, as authentication-national-cloud lists it. */
  loginHost: string;
  /** Other login hosts that answer as the same cloud (older names msal-node and clients still use). */
  loginAliases: readonly string[];
  /** Microsoft Graph host of the cloud. */
  graphHost: string;
  /** Host in the `iss` of v1.0 access tokens (what Graph accepts). */
  stsHost: string;
}

export const CLOUDS: Readonly<Record<CloudName, CloudHosts>> = {
  global: {
    name: 'global',
    loginHost: 'login.microsoftonline.com',
    loginAliases: [],
    graphHost: 'graph.microsoft.com',
    stsHost: 'sts.windows.net',
  },
  'usgov-l4': {
    name: 'usgov-l4',
    loginHost: 'login.microsoftonline.us',
    loginAliases: [],
    graphHost: 'graph.microsoft.us',
    stsHost: 'login.microsoftonline.us',
  },
  'usgov-l5': {
    name: 'usgov-l5',
    loginHost: 'login.microsoftonline.us',
    loginAliases: [],
    graphHost: 'dod-graph.microsoft.us',
    stsHost: 'login.microsoftonline.us',
  },
  china: {
    name: 'china',
    // msal-node rewrites login.chinacloudapi.cn to this host (its preferred_network for China).
    loginHost: 'login.partner.microsoftonline.cn',
    loginAliases: ['login.chinacloudapi.cn'],
    graphHost: 'microsoftgraph.chinacloudapi.cn',
    stsHost: 'sts.chinacloudapi.cn',
  },
};

/** Every real Microsoft host the emulator's TLS certificate names. */
export const MICROSOFT_HOSTS: readonly string[] = [
  ...new Set(Object.values(CLOUDS).flatMap((c) => [c.loginHost, ...c.loginAliases, c.graphHost])),
];

export function hostWithoutPort(host: string): string {
  const lower = host.toLowerCase();
  if (lower.startsWith('[')) return lower.slice(0, lower.indexOf(']') + 1);
  const colon = lower.lastIndexOf(':');
  return colon === -1 ? lower : lower.slice(0, colon);
}

/**
 * The cloud a login host belongs to, or null for a host that is not a real Microsoft login host.
 * US Government L4 and L5 share one login host; the Graph resource in the requested scopes
 * decides which Graph the token is for (see `cloudForResource`).
 */
export function cloudForLoginHost(host: string | undefined): CloudName | null {
  const bare = hostWithoutPort(host ?? '');
  for (const cloud of Object.values(CLOUDS)) {
    if (cloud.loginHost === bare || cloud.loginAliases.includes(bare)) return cloud.name;
  }
  return null;
}

/** The cloud a Graph host belongs to; any non-Microsoft host answers as 'global'. */
export function cloudForGraphHost(host: string | undefined): CloudName {
  const bare = hostWithoutPort(host ?? '');
  for (const cloud of Object.values(CLOUDS)) {
    if (cloud.graphHost === bare) return cloud.name;
  }
  return 'global';
}

/** The Graph resource URL (`https://graph.microsoft.com`) of a cloud: the `aud` of its access tokens. */
export function graphResource(cloud: CloudName): string {
  return `https://${CLOUDS[cloud].graphHost}`;
}

/**
 * Whether two clouds share a login host: US Government L4 and L5 tenants both sign in at
 * login.microsoftonline.us. A tenant answers only on its own cloud's login host.
 */
export function sameLoginHost(a: CloudName, b: CloudName): boolean {
  return CLOUDS[a].loginHost === CLOUDS[b].loginHost;
}
