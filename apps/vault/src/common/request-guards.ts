import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './api-error';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route reads the body unparsed, whatever its type: no 415 for a body that is not JSON. */
    anyContentType?: boolean;
  }
}

/**
 * Checks every request passes before routing and validation, so that what no route can accept is
 * answered the same way everywhere, in the catalog's error shape:
 * - a NUL byte anywhere in the path, query or a JSON body (a string or a key): 400
 *   `invalid_characters`, before it can reach a database driver (PostgreSQL refuses NUL in text,
 *   which used to surface as a 500);
 * - a body sent to the API without `Content-Type: application/json`: 415
 *   `unsupported_media_type` naming what was sent (a form-encoded `curl -d` used to be parsed
 *   into one strange key); a route that takes any body unparsed (the Graph proxy streams it) says
 *   so with `config: { anyContentType: true }`.
 */
export function registerRequestGuards(fastify: FastifyInstance): void {
  const routes: string[] = [];
  SERVED.set(fastify, routes);
  fastify.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push(`${method} ${route.url}`);
  });
  // Callback hooks rather than async ones: they run on every request (getCredential's hot path
  // too), and an async hook costs a promise each. A hook that answers does not call `done`.
  fastify.addHook('onRequest', (request, reply, done) => {
    const refusal = refuseUrl(request.url) ?? refuseContentType(request);
    if (refusal === null) done();
    else sendError(reply, refusal);
  });
  fastify.addHook('preValidation', (request, reply, done) => {
    const at = nulPath(request.body, []);
    if (at === null) {
      done();
      return;
    }
    sendError(
      reply,
      new ApiError('invalid_characters', 'The request body holds a NUL character (\\u0000).', {
        details: [{ path: at, in: 'body', message: 'must not contain NUL characters' }],
      }),
    );
  });
}

const SERVED = new WeakMap<FastifyInstance, string[]>();

/** Every route the server registered, as `METHOD /path/:param` (to compare with the contract). */
export function servedRoutes(fastify: FastifyInstance): readonly string[] {
  return SERVED.get(fastify) ?? [];
}

/** Sends `error` in the catalog's shape (for hooks, which run outside Nest's exception filter). */
export function sendError(reply: FastifyReply, error: ApiError): FastifyReply {
  return reply
    .status(error.status)
    .header('content-type', 'application/json; charset=utf-8')
    .send({ error: error.toBody() });
}

function refuseUrl(url: string): ApiError | null {
  if (!url.includes('\u0000') && !/%00/i.test(url)) return null;
  const query = url.indexOf('?');
  const rest = query >= 0 ? url.slice(query) : '';
  const inQuery = rest.includes('\u0000') || /%00/i.test(rest);
  return new ApiError('invalid_characters', `The request ${inQuery ? 'query' : 'path'} holds a NUL character (%00).`, {
    details: [{ path: '', in: inQuery ? 'query' : 'params', message: 'must not contain NUL characters' }],
  });
}

const API_PATH = /^\/(v1|admin\/v1)(\/|\?|$)/;
const JSON_TYPE = /^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i;

function refuseContentType(request: FastifyRequest): ApiError | null {
  if (!API_PATH.test(request.url)) return null;
  if (request.routeOptions.config.anyContentType === true) return null;
  const length = request.headers['content-length'];
  const hasBody = (length !== undefined && length !== '0') || request.headers['transfer-encoding'] !== undefined;
  if (!hasBody) return null;
  const type = request.headers['content-type'];
  if (type !== undefined && JSON_TYPE.test(type)) return null;
  const received = type === undefined ? 'no Content-Type' : `Content-Type ${JSON.stringify(type.slice(0, 100))}`;
  return new ApiError('unsupported_media_type', `The request body must be JSON; it was sent with ${received}.`, {
    remediation:
      "Send the body with the header 'Content-Type: application/json' (curl: -H 'content-type: application/json').",
  });
}

/** The dotted path of the first string or key holding a NUL, or null. */
function nulPath(value: unknown, path: string[]): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path.join('.') : null;
  if (value === null || typeof value !== 'object') return null;
  for (const [key, item] of Object.entries(value)) {
    if (key.includes('\u0000')) return [...path, key.replaceAll('\u0000', '\\u0000')].join('.');
    const found = nulPath(item, [...path, key]);
    if (found !== null) return found;
  }
  return null;
}

const CLIENT_ERRORS: Record<string, ApiError> = {
  HPE_HEADER_OVERFLOW: new ApiError('request_header_too_large', 'The request headers are too large.', {
    remediation: 'Send fewer or shorter headers (cookies included); the limit is 16 KiB.',
  }),
};

/**
 * Answers what Node's HTTP parser refuses before Fastify sees a request (oversized headers,
 * malformed requests) in the catalog's error shape rather than Fastify's own.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) return;
  const known = error.code !== undefined ? CLIENT_ERRORS[error.code] : undefined;
  const apiError = known ?? ApiError.invalidRequest('The request is malformed HTTP.');
  const body = JSON.stringify({ error: apiError.toBody() });
  const reason = apiError.status === 431 ? 'Request Header Fields Too Large' : 'Bad Request';
  socket.end(
    `HTTP/1.1 ${apiError.status} ${reason}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
