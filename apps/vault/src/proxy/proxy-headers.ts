// Which headers cross the proxy. Towards Graph, an allow-list: what Graph's file and directory
// APIs read, never the caller's credentials (Authorization carries the project's API key),
// cookies, forwarding headers or Authpipe's own. Back to the caller, everything but hop-by-hop
// headers (RFC 9110 §7.6.1) and authentication headers: the caller authenticates to the vault,
// not to Graph, and a cookie set by Microsoft has no business in the caller's backend.
import type { IncomingHttpHeaders } from 'node:http';

/** Request headers forwarded to Graph (lower-case). */
const FORWARDED_REQUEST_HEADERS = new Set([
  'accept',
  'accept-encoding',
  'accept-language',
  'client-request-id',
  'return-client-request-id',
  'consistencylevel',
  'content-length',
  'content-range',
  'content-type',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'prefer',
  'range',
]);

/** Response headers never passed back (lower-case). */
const STRIPPED_RESPONSE_HEADERS = new Set([
  // hop-by-hop
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  // authentication and session
  'www-authenticate',
  'proxy-authenticate',
  'proxy-authorization',
  'authorization',
  'set-cookie',
  'authentication-info',
  'proxy-authentication-info',
]);

/** The headers sent to Graph for a caller's request, before the bearer token is added. */
export function requestHeadersForGraph(headers: IncomingHttpHeaders): Record<string, string> {
  const kept: Record<string, string> = {};
  // Headers named by Connection are hop-by-hop too, whatever their name.
  const hopByHop = listed(headers.connection);
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || !FORWARDED_REQUEST_HEADERS.has(name) || hopByHop.has(name)) continue;
    kept[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return kept;
}

/** Graph's response headers as they are passed back to the caller. */
export function responseHeadersForCaller(
  headers: Record<string, string | string[]>,
): Record<string, string | string[]> {
  const hopByHop = listed(headers.connection);
  const kept: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    // The vault's own (`authpipe-upstream`, `authpipe-credential-refreshed`) come from the vault only.
    if (STRIPPED_RESPONSE_HEADERS.has(lower) || hopByHop.has(lower) || lower.startsWith('authpipe-')) continue;
    kept[lower] = value;
  }
  return kept;
}

function listed(connection: string | string[] | undefined): Set<string> {
  const values = Array.isArray(connection) ? connection : connection === undefined ? [] : [connection];
  return new Set(
    values
      .flatMap((v) => v.split(','))
      .map((v) => v.trim().toLowerCase())
      .filter(Boolean),
  );
}
