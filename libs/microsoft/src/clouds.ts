// Endpoints of the Microsoft identity platform and Microsoft Graph per national cloud.
// https://learn.microsoft.com/en-us/entra/identity-platform/authentication-national-cloud
// https://learn.microsoft.com/en-us/graph/deployments
import { z } from 'zod';

/** The clouds Authpipe knows by name. */
export const CLOUD_NAMES = ['global', 'usgov-l4', 'usgov-l5', 'china'] as const;
export type CloudName = (typeof CLOUD_NAMES)[number];

/** How an app names its cloud: a national cloud by name, or custom endpoints (an emulator, a sovereign proxy). */
export const cloudConfigSchema = z.discriminatedUnion('name', [
  z.object({ name: z.enum(CLOUD_NAMES) }),
  z.object({
    name: z.literal('custom'),
    /** Origin of the login service, e.g. `https://127.0.0.1:4443` or `https://login.example.internal`. */
    loginUrl: z.url({ protocol: /^https$/ }),
    /** Origin of the Graph service. */
    graphUrl: z.url({ protocol: /^https$/ }),
    /** Audience of Graph tokens; a custom endpoint usually fronts global Graph. */
    graphResource: z.url({ protocol: /^https$/ }).optional(),
  }),
]);
export type CloudConfig = z.infer<typeof cloudConfigSchema>;

/** Everything the library needs to talk to one cloud. */
export interface Cloud {
  name: CloudName | 'custom';
  /** Login origin without a trailing slash, e.g. `https://login.microsoftonline.us`. */
  loginUrl: string;
  /** Login host (and port when not 443): what msal's `knownAuthorities` and issuers name. */
  loginHost: string;
  /** Graph origin without a trailing slash, e.g. `https://dod-graph.microsoft.us`. */
  graphUrl: string;
  /** Graph API base, `${graphUrl}/v1.0`. */
  graphApiUrl: string;
  /** Audience of Graph access tokens, e.g. `https://graph.microsoft.us`. */
  graphResource: string;
  /** The app-only scope for Graph: `${graphResource}/.default`. */
  graphDefaultScope: string;
  /**
   * Hosts to pass as msal `knownAuthorities`. Empty for national clouds, whose login hosts msal
   * already knows; the custom login host otherwise, so msal skips instance discovery.
   */
  knownAuthorities: readonly string[];
}

interface NationalCloud {
  loginHost: string;
  graphHost: string;
}

// Both US Government clouds sign in at login.microsoftonline.us; L5 (DoD) differs only in Graph.
const NATIONAL: Readonly<Record<CloudName, NationalCloud>> = {
  global: { loginHost: 'login.microsoftonline.com', graphHost: 'graph.microsoft.com' },
  'usgov-l4': { loginHost: 'login.microsoftonline.us', graphHost: 'graph.microsoft.us' },
  'usgov-l5': { loginHost: 'login.microsoftonline.us', graphHost: 'dod-graph.microsoft.us' },
  china: { loginHost: 'login.chinacloudapi.cn', graphHost: 'microsoftgraph.chinacloudapi.cn' },
};

function origin(url: string): string {
  return new URL(url).origin;
}

function build(
  name: Cloud['name'],
  loginUrl: string,
  graphUrl: string,
  graphResource: string,
  known: boolean,
): Readonly<Cloud> {
  const login = origin(loginUrl);
  const graph = origin(graphUrl);
  const resource = origin(graphResource);
  return Object.freeze({
    name,
    loginUrl: login,
    loginHost: new URL(login).host,
    graphUrl: graph,
    graphApiUrl: `${graph}/v1.0`,
    graphResource: resource,
    graphDefaultScope: `${resource}/.default`,
    knownAuthorities: Object.freeze(known ? [] : [new URL(login).host]),
  });
}

/** Most resolved configurations kept; a custom cloud per app is the only way to have many. */
const RESOLVED_MAX = 1000;
// Clouds already validated and resolved, by their fields: every token call resolves its app's
// cloud several times, and the schema and URL parsing showed in the refresh benchmark's profile
// (about a tenth of a millisecond per refresh). Frozen, so no caller can change another's.
const resolved = new Map<string, Readonly<Cloud>>();

/** The fields a resolution depends on, or null when one is not a string (the schema then decides). */
function resolvedKey(config: CloudConfig): string | null {
  const c = config as { name?: unknown; loginUrl?: unknown; graphUrl?: unknown; graphResource?: unknown };
  if (typeof c.name !== 'string') return null;
  if (c.name !== 'custom') return c.name;
  if (typeof c.loginUrl !== 'string' || typeof c.graphUrl !== 'string') return null;
  if (c.graphResource !== undefined && typeof c.graphResource !== 'string') return null;
  // A space cannot occur in a valid URL, so the fields cannot run into each other.
  return `custom ${c.loginUrl} ${c.graphUrl} ${c.graphResource ?? ''}`;
}

/**
 * Resolves a cloud configuration (validated with `cloudConfigSchema`) to its endpoints. The result
 * is shared between callers and frozen.
 */
export function resolveCloud(config: CloudConfig): Readonly<Cloud> {
  const key = resolvedKey(config);
  const known = key === null ? undefined : resolved.get(key);
  if (known !== undefined) return known;
  const cloud = resolveUncached(config);
  if (key !== null) {
    if (resolved.size >= RESOLVED_MAX) resolved.clear();
    resolved.set(key, cloud);
  }
  return cloud;
}

function resolveUncached(config: CloudConfig): Readonly<Cloud> {
  const parsed = cloudConfigSchema.parse(config);
  if (parsed.name === 'custom') {
    return build(
      'custom',
      parsed.loginUrl,
      parsed.graphUrl,
      parsed.graphResource ?? 'https://graph.microsoft.com',
      false,
    );
  }
  const national = NATIONAL[parsed.name];
  const graph = `https://${national.graphHost}`;
  return build(parsed.name, `https://${national.loginHost}`, graph, graph, true);
}

/** Every real Microsoft login and Graph host of the named clouds (what a `routes` override may name). */
export const MICROSOFT_CLOUD_HOSTS: readonly string[] = [
  ...new Set(Object.values(NATIONAL).flatMap((c) => [c.loginHost, c.graphHost])),
];
