import { createHash } from 'node:crypto';
import { randomToken, type Random } from '../../common/random';

/**
 * The cookie that binds an OAuth state to the browser that started the flow: a state carried to
 * another browser (a login CSRF, or a link forwarded by mistake) finds no matching cookie. Only
 * a hash of the value is stored with the state. HttpOnly (scripts never read it), SameSite=Lax
 * (sent on the top-level redirect back from Microsoft, not on cross-site subrequests), scoped to
 * the callback paths.
 */
export const BINDING_COOKIE = 'authpipe_flow';
const VALUE = /^[A-Za-z0-9_-]{43}$/;

/** A fresh binding value (256 random bits). */
export function newBindingValue(random: Random): string {
  return randomToken(random, 32);
}

export function hashBinding(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** The Set-Cookie header for a binding; Secure when the vault is served over https. */
export function bindingCookie(value: string, secure: boolean, maxAgeSeconds: number): string {
  return [
    `${BINDING_COOKIE}=${value}`,
    'Path=/oauth',
    `Max-Age=${maxAgeSeconds}`,
    'HttpOnly',
    'SameSite=Lax',
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

/** The Set-Cookie header that removes the binding once its flow is over. */
export function clearBindingCookie(secure: boolean): string {
  return bindingCookie('', secure, 0);
}

/** The binding value from a Cookie header, or null when absent or malformed. */
export function readBinding(cookieHeader: string | undefined): string | null {
  if (!cookieHeader) return null;
  for (const part of cookieHeader.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === BINDING_COOKIE) {
      const value = rest.join('=');
      return VALUE.test(value) ? value : null;
    }
  }
  return null;
}
