import type { FastifyInstance } from 'fastify';

/** No content may load, nothing may frame the response: for JSON, metrics and plain answers. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/**
 * Swagger UI at /docs: its own scripts and styles from this origin (its page carries inline
 * styles, never inline scripts), calls to this origin only, no framing.
 */
const DOCS_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
/** One year, subdomains included: the vault's host answers only over TLS once it is https. */
const HSTS = 'max-age=31536000; includeSubDomains';

/**
 * Security headers on every response: `X-Content-Type-Options: nosniff`, no framing
 * (`X-Frame-Options` and CSP `frame-ancestors`), a Content-Security-Policy where the route set
 * none (the flow pages set their own, with a nonce), `Referrer-Policy: no-referrer`, and HSTS
 * when the public URL is https. Written as a Fastify hook rather than @fastify/helmet: helmet's
 * defaults would have to be undone route by route (its Cross-Origin-Opener-Policy alone would cut
 * a popup flow off from its opener), and it would run on the getCredential hot path too.
 */
export function registerSecurityHeaders(fastify: FastifyInstance, options: { https: boolean }): void {
  fastify.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-content-type-options', 'nosniff');
    if (!reply.hasHeader('x-frame-options')) reply.header('x-frame-options', 'DENY');
    if (!reply.hasHeader('referrer-policy')) reply.header('referrer-policy', 'no-referrer');
    if (!reply.hasHeader('content-security-policy')) {
      const docs = request.url === '/docs' || request.url.startsWith('/docs/') || request.url.startsWith('/docs?');
      reply.header('content-security-policy', docs ? DOCS_CSP : API_CSP);
    }
    if (options.https) reply.header('strict-transport-security', HSTS);
    done(null, payload);
  });
}

/**
 * The headers {@link registerSecurityHeaders} gives an API response whose route set none of them
 * itself, in the order it sets them: for an answer written outside Fastify (the warm getCredential
 * lane, GetCredentialRoute.serveBeforeFastify), which must carry exactly these.
 */
export function apiSecurityHeaders(options: { https: boolean }): [name: string, value: string][] {
  return [
    ['x-content-type-options', 'nosniff'],
    ['x-frame-options', 'DENY'],
    ['referrer-policy', 'no-referrer'],
    ['content-security-policy', API_CSP],
    ...(options.https ? [['strict-transport-security', HSTS] as [string, string]] : []),
  ];
}
