// Where a proxied request may go: the Graph API base of the credential's cloud, and nothing else.
// The caller's path is checked twice: first as text (no tricks a parser could resolve differently
// from Graph: dot segments, encoded separators, backslashes, userinfo, a second scheme or host),
// then by building the URL with WHATWG's parser and requiring the very origin and path expected,
// so a trick the text rules missed still cannot move the request.

/** Why a path was refused (`details.reason` of `proxy_target_not_allowed`). */
export type GraphPathRefusal =
  | 'empty_path'
  | 'absolute_url'
  | 'dot_segment'
  | 'encoded_separator'
  | 'backslash'
  | 'userinfo'
  | 'empty_segment'
  | 'control_character'
  | 'fragment'
  | 'outside_graph';

export type GraphTargetResult = { ok: true; url: string } | { ok: false; reason: GraphPathRefusal };

// `%2e`/`%2E` are dots to WHATWG (a dot segment), `%2f`/`%5c` separators (`%25`, a literal `%` in a file name, stays:
// Graph decodes once), `%00`-`%1f` and `%7f` are control characters.
const ENCODED_SEPARATOR = /%(?:2e|2f|5c)/i;
const ENCODED_CONTROL = /%(?:[01][0-9a-f]|7f)/i;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0020\u007f]/;

/**
 * The Graph URL for `rawRest` (what follows `/v1/proxy/<provider>/` in the raw request target,
 * query string included, still percent-encoded) under `graphBaseUrl`
 * (`https://graph.microsoft.com/v1.0` or the cloud's own), or why it is refused.
 */
export function graphTargetOf(graphBaseUrl: string, rawRest: string): GraphTargetResult {
  const { path, query } = split(rawRest);
  const refusal = refusalOf(path, query);
  if (refusal !== null) return { ok: false, reason: refusal };

  const base = new URL(graphBaseUrl);
  const basePath = base.pathname.replace(/\/+$/, '');
  const expectedPath = `${basePath}/${path}`;
  let url: URL;
  try {
    url = new URL(`${base.origin}${expectedPath}${query}`);
  } catch {
    return { ok: false, reason: 'outside_graph' };
  }
  // Any normalisation by the parser (a dot segment it resolved, a character it re-encoded) or
  // any other origin means the request would not go where the text says: refuse.
  if (url.origin !== base.origin || url.pathname !== expectedPath || url.username !== '' || url.password !== '') {
    return { ok: false, reason: 'outside_graph' };
  }
  return { ok: true, url: url.href };
}

/** Why `rawRest` is refused by the text rules alone (before any credential is read), or null. */
export function graphPathRefusal(rawRest: string): GraphPathRefusal | null {
  const { path, query } = split(rawRest);
  return refusalOf(path, query);
}

function split(rawRest: string): { path: string; query: string } {
  const queryAt = rawRest.indexOf('?');
  return queryAt === -1
    ? { path: rawRest, query: '' }
    : { path: rawRest.slice(0, queryAt), query: rawRest.slice(queryAt) };
}

function refusalOf(path: string, query: string): GraphPathRefusal | null {
  if (path === '') return 'empty_path';
  if (CONTROL.test(path) || CONTROL.test(query) || ENCODED_CONTROL.test(path)) return 'control_character';
  if (path.includes('#') || query.includes('#')) return 'fragment';
  if (path.includes('\\') || /%5c/i.test(query)) return 'backslash';
  // `//host`, `https://host` or `https:host`-style schemes: Graph paths never start with a scheme
  // (colons appear later, in `root:/a.txt:` or `sites/host:/sites/x`).
  // `//host/...` (a network-path reference) or `https://host/...`: another host, whatever follows.
  if (path.startsWith('/') || /^[a-z][a-z0-9+.-]*:\/\//i.test(path)) return 'absolute_url';
  // A raw `@` is where userinfo ends in an authority; a user principal name is written `%40`.
  if (path.includes('@')) return 'userinfo';
  if (ENCODED_SEPARATOR.test(path)) return 'encoded_separator';
  const segments = path.split('/');
  if (segments.some((segment) => segment === '.' || segment === '..')) return 'dot_segment';
  // An empty segment (`a//b`) is how `//host` sneaks in after a prefix; Graph never needs one
  // (a trailing slash is fine).
  if (segments.slice(0, -1).some((segment) => segment === '')) return 'empty_segment';
  return null;
}
