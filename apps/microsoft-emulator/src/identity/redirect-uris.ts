/**
 * Exact redirect URI match, except that for http loopback URIs the port is ignored, as Entra does
 * for native and local development apps.
 * https://learn.microsoft.com/en-us/entra/identity-platform/reply-url#localhost-exceptions
 */
export function redirectUriMatches(registered: readonly string[], candidate: string): boolean {
  if (registered.includes(candidate)) return true;
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' || !['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)) return false;
  return registered.some((entry) => {
    try {
      const r = new URL(entry);
      return (
        r.protocol === 'http:' && r.hostname === url.hostname && r.pathname === url.pathname && r.search === url.search
      );
    } catch {
      return false;
    }
  });
}

export type ResponseMode = 'query' | 'fragment' | 'form_post';

/** Where the browser goes next: a URL to redirect to, or (form_post) a page that posts the fields. */
export type AuthorizationReply =
  { kind: 'redirect'; url: string } | { kind: 'form_post'; action: string; fields: Record<string, string> };

/** Builds the reply that carries `fields` back to the client's redirect URI. */
export function replyTo(
  redirectUri: string,
  mode: ResponseMode,
  fields: Record<string, string | undefined>,
): AuthorizationReply {
  const present = Object.fromEntries(Object.entries(fields).filter((e): e is [string, string] => e[1] !== undefined));
  if (mode === 'form_post') return { kind: 'form_post', action: redirectUri, fields: present };
  const url = new URL(redirectUri);
  if (mode === 'fragment') {
    url.hash = new URLSearchParams(present).toString();
  } else {
    for (const [key, value] of Object.entries(present)) url.searchParams.set(key, value);
  }
  return { kind: 'redirect', url: url.toString() };
}
