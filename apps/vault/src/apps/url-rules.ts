import { z } from 'zod';

// Plain http is accepted only on loopback, where developers run the vault and their frontend;
// anywhere else an authorization code or a postMessage result would cross the network in clear.
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

function parse(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

function secureOrLoopback(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
}

/** An OAuth redirect URI: absolute, https (http only on loopback), no fragment, no credentials. */
export const redirectUriSchema = z
  .string()
  .max(2000)
  .refine((value) => {
    const url = parse(value);
    return url !== null && secureOrLoopback(url) && url.hash === '' && url.username === '' && url.password === '';
  }, 'must be an absolute https URL (http only for 127.0.0.1 or localhost), without fragment or credentials');

/** A browser origin allowed to open popups and receive results: scheme, host and port only. */
export const originSchema = z
  .string()
  .max(500)
  .refine((value) => {
    const url = parse(value);
    return url !== null && secureOrLoopback(url) && url.origin === value.replace(/\/$/, '');
  }, 'must be an origin such as https://app.example.com (http only for 127.0.0.1 or localhost), without path')
  .transform((value) => new URL(value).origin);

/** Whether `returnTo` (an absolute URL) points into one of `allowedOrigins`. */
export function isAllowedReturnTo(returnTo: string, allowedOrigins: readonly string[]): boolean {
  const url = parse(returnTo);
  if (url === null || !secureOrLoopback(url) || url.username !== '' || url.password !== '') return false;
  return allowedOrigins.includes(url.origin);
}
