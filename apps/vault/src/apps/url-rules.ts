import { isSecureOrLoopback } from '@authpipe/contract';

// The schemas of redirect URIs and origins are the contract's (request validation).
export { originSchema, redirectUriSchema } from '@authpipe/contract';

/** Whether `returnTo` (an absolute URL) points into one of `allowedOrigins`. */
export function isAllowedReturnTo(returnTo: string, allowedOrigins: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(returnTo);
  } catch {
    return false;
  }
  if (!isSecureOrLoopback(url) || url.username !== '' || url.password !== '') return false;
  return allowedOrigins.includes(url.origin);
}
