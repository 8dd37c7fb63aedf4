// Parsers of the Microsoft-facing environment variables (see config.schema.ts): each turns one
// comma-separated value into typed settings and names a bad entry by its position, never by its
// value.
import { readFileSync } from 'node:fs';
import path from 'node:path';
// The one module of @authpipe/microsoft config needs, not its index: reading the environment (every
// CLI command does) must not load msal-node, undici and node-forge.
import { cidrSchema } from '../../../../libs/microsoft/src/address-policy';
import { z } from 'zod';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** A PEM bundle file, read at boot: a missing, unreadable or certificate-less file is a config error. */
export const caFile = z.string().transform((file, ctx) => {
  let text: string;
  try {
    text = readFileSync(path.resolve(file), 'utf8');
  } catch {
    ctx.addIssue({ code: 'custom', message: 'cannot read the CA bundle file' });
    return z.NEVER;
  }
  const certificates = text.match(PEM_CERTIFICATE);
  if (certificates === null) {
    ctx.addIssue({ code: 'custom', message: 'the CA bundle file holds no PEM certificate' });
    return z.NEVER;
  }
  return certificates;
});

const HOST = /^(?=.{1,253}(:\d{1,5})?$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/i;

/** `host=https://address[:port],host2=...`: the endpoint override of libs/microsoft's HTTP layer. */
export const routesList = z.string().transform((value, ctx) => {
  const routes: Record<string, string> = {};
  for (const [index, entry] of value.split(',').entries()) {
    const at = entry.indexOf('=');
    const host = entry.slice(0, at).trim().toLowerCase();
    const target = entry.slice(at + 1).trim();
    if (at < 0 || !HOST.test(host)) {
      ctx.addIssue({ code: 'custom', message: `entry ${index + 1} must be host=https://address[:port]` });
      continue;
    }
    if (!z.url({ protocol: /^https$/ }).safeParse(target).success) {
      ctx.addIssue({ code: 'custom', message: `entry ${index + 1} must route to an https:// URL` });
      continue;
    }
    if (host in routes) {
      ctx.addIssue({ code: 'custom', message: `entry ${index + 1} routes a host already routed` });
      continue;
    }
    routes[host] = target;
  }
  return routes;
});

/** Splits a comma-separated value into trimmed, non-empty entries with their 1-based position. */
function entries(value: string): [number, string][] {
  return value
    .split(',')
    .map((entry, index): [number, string] => [index + 1, entry.trim()])
    .filter(([, entry]) => entry !== '');
}

/** The origin `entry` names, or null when it is not exactly an https origin (no path, query or credentials). */
function originOf(entry: string): string | null {
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    return null;
  }
  const bare =
    url.protocol === 'https:' &&
    url.pathname === '/' &&
    url.search === '' &&
    url.hash === '' &&
    url.username === '' &&
    url.password === '' &&
    !/[?#]$/.test(entry);
  return bare ? url.origin : null;
}

/** `https://host[:port],...`: exact origins, normalised by URL (lower-case host, default port dropped). */
export const originList = z.string().transform((value, ctx) => {
  const origins: string[] = [];
  for (const [position, entry] of entries(value)) {
    const origin = originOf(entry);
    if (origin === null) {
      ctx.addIssue({ code: 'custom', message: `entry ${position} must be an origin such as https://host[:port]` });
      continue;
    }
    if (!origins.includes(origin)) origins.push(origin);
  }
  return origins;
});

/** `10.0.0.0/8,127.0.0.1,::1,fd00::/8`: networks in CIDR notation, or single addresses. */
export const networkList = z.string().transform((value, ctx) => {
  const networks: string[] = [];
  for (const [position, entry] of entries(value)) {
    if (!cidrSchema.safeParse(entry).success) {
      ctx.addIssue({ code: 'custom', message: `entry ${position} must be an IP address or a CIDR range` });
      continue;
    }
    networks.push(entry);
  }
  return networks;
});
