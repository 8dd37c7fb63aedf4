import { createHash, timingSafeEqual } from 'node:crypto';
import { randomToken, type Random } from '../../common/random';

/**
 * The cookie that names the browser a flow runs in. A state is bound to it (only a hash is
 * stored), so a state carried to another browser (a login CSRF, a link forwarded by mistake)
 * finds no match; the start page's "Continue" link is derived from it, so a link to that step
 * cannot be handed to someone else. One value per browser, kept across flows (a tab finishing
 * must not break another tab's flow), living as long as a state does.
 *
 * HttpOnly (scripts never read it), SameSite=Lax (sent on the top-level redirect back from
 * Microsoft, not on cross-site subrequests), Path=/ (the start page and the callbacks). Over
 * https it is `__Host-` prefixed and Secure: no subdomain and no plain-http page can set it.
 */
export const BINDING_COOKIE = 'authpipe_flow';
export const SECURE_BINDING_COOKIE = '__Host-authpipe_flow';
/** How long a browser binding lives after its latest use: as long as a state (STATE_TTL_MS). */
export const BINDING_MAX_AGE_SECONDS = 600;
const VALUE = /^[A-Za-z0-9_-]{43}$/;

/** A fresh binding value (256 random bits). */
export function newBindingValue(random: Random): string {
  return randomToken(random, 32);
}

export function hashBinding(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** The cookie's name: `__Host-` prefixed when the vault is served over https. */
export function bindingCookieName(secure: boolean): string {
  return secure ? SECURE_BINDING_COOKIE : BINDING_COOKIE;
}

/** The Set-Cookie header for a binding; `__Host-` and Secure when the vault is served over https. */
export function bindingCookie(value: string, secure: boolean, maxAgeSeconds = BINDING_MAX_AGE_SECONDS): string {
  return [
    `${bindingCookieName(secure)}=${value}`,
    'Path=/',
    `Max-Age=${maxAgeSeconds}`,
    'HttpOnly',
    'SameSite=Lax',
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}

/** The binding value from a Cookie header, or null when absent or malformed. */
export function readBinding(cookieHeader: string | undefined, secure = false): string | null {
  if (!cookieHeader) return null;
  const wanted = bindingCookieName(secure);
  for (const part of cookieHeader.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === wanted) {
      const value = rest.join('=');
      return VALUE.test(value) ? value : null;
    }
  }
  return null;
}

/**
 * The value of the start page's "Continue" link for a session in a browser: a MAC of the session
 * token under the browser's binding. Someone who sends another person a connect link cannot know
 * that person's binding, so cannot skip the page that shows what is being connected.
 */
export function continueToken(binding: string, sessionToken: string): string {
  return createHash('sha256')
    .update('authpipe-continue\0', 'utf8')
    .update(binding, 'utf8')
    .update('\0', 'utf8')
    .update(sessionToken, 'utf8')
    .digest('base64url');
}

/** Whether `presented` is the continue token of this session in this browser. */
export function isContinueToken(presented: string | undefined, binding: string | null, sessionToken: string): boolean {
  if (presented === undefined || binding === null) return false;
  const expected = Buffer.from(continueToken(binding, sessionToken), 'utf8');
  const given = Buffer.from(presented, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
