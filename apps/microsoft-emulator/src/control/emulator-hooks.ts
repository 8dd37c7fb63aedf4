import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { cloudForGraphHost } from '../directory/clouds';
import type { EmulatorClock } from '../directory/contracts';
import { graphChallenge } from '../graph/auth/graph-authenticator';
import { AadstsError, errorBody } from '../identity/aadsts';
import type { FaultInjector, FaultRule } from './faults';
import type { RequestLog } from './request-log';

export const CONTROL_PREFIX = '/_emulator';

const pathOf = (url: string): string => url.split('?')[0] ?? url;
const isGraphPath = (path: string): boolean => path.startsWith('/v1.0') || path.startsWith('/beta');

/** SHA-256 (hex) of the request's bearer token, or null without one. */
function bearerSha256(request: FastifyRequest): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  return match ? createHash('sha256').update(match[1]).digest('hex') : null;
}

function grantTypeOf(request: FastifyRequest): string | null {
  const body = request.body as Record<string, unknown> | undefined;
  return typeof body?.grant_type === 'string' && pathOf(request.url).endsWith('/token') ? body.grant_type : null;
}

/** A fault reply shaped like the service the path belongs to: Graph's error object or the identity platform's. */
function faultBody(rule: FaultRule, path: string, request: FastifyRequest, now: Date): Record<string, unknown> {
  const status = rule.status ?? 503;
  if (isGraphPath(path)) {
    const [code, message] =
      status === 401
        ? ['InvalidAuthenticationToken', 'Access token validation failure.']
        : status === 429
          ? ['TooManyRequests', 'Too many requests.']
          : status === 503
            ? ['serviceNotAvailable', 'The service is temporarily unavailable.']
            : ['generalException', 'The service is temporarily unavailable.'];
    const clientRequestId = request.headers['client-request-id'];
    return {
      error: {
        code,
        message,
        innerError: {
          date: now.toISOString().slice(0, 19),
          'request-id': randomUUID(),
          'client-request-id': typeof clientRequestId === 'string' ? clientRequestId : randomUUID(),
        },
      },
    };
  }
  const error = new AadstsError(
    90033,
    'temporarily_unavailable',
    'A transient error has occurred. Please try again.',
    status,
  );
  return errorBody(
    error,
    { traceId: randomUUID(), correlationId: randomUUID(), now },
    request.headers.host ?? 'login.microsoftonline.com',
  );
}

/**
 * Global Fastify hooks, so faults and the request log cover every route (identity and Graph)
 * but never the control API itself.
 */
export function installEmulatorHooks(
  fastify: FastifyInstance,
  faults: FaultInjector,
  log: RequestLog,
  clock: EmulatorClock,
): void {
  const replyLost = new WeakSet<FastifyRequest>();
  const applied = new WeakMap<FastifyRequest, string>();

  fastify.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    const path = pathOf(request.url);
    if (path.startsWith(CONTROL_PREFIX)) return;
    const rule = faults.take(path, () => bearerSha256(request));
    if (!rule) return;
    const label = rule.kind === 'status' ? `status_${rule.status}` : rule.kind;
    applied.set(request, label);
    switch (rule.kind) {
      case 'latency':
        await delay(rule.latencyMs ?? 0);
        return;
      case 'drop':
        log.add({
          at: clock.now().toISOString(),
          method: request.method,
          path,
          grantType: grantTypeOf(request),
          status: null,
          fault: label,
          requestId: null,
        });
        reply.hijack();
        request.raw.socket.destroy();
        return reply;
      case 'reply_lost':
        replyLost.add(request);
        return;
      case 'status': {
        if (rule.retryAfterSeconds !== undefined || rule.status === 429)
          reply.header('retry-after', String(rule.retryAfterSeconds ?? 1));
        if (rule.status === 401 && isGraphPath(path))
          reply.header('www-authenticate', graphChallenge(cloudForGraphHost(request.headers.host)));
        return reply.code(rule.status ?? 503).send(faultBody(rule, path, request, clock.now()));
      }
    }
  });

  fastify.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const path = pathOf(request.url);
    if (path.startsWith(CONTROL_PREFIX)) return payload;
    const lost = replyLost.has(request);
    log.add({
      at: clock.now().toISOString(),
      method: request.method,
      path,
      grantType: grantTypeOf(request),
      status: lost ? null : reply.statusCode,
      fault: applied.get(request) ?? null,
      requestId: lost ? null : requestIdOf(reply),
    });
    // The work is done (a code redeemed, a refresh token rotated); only the answer is lost.
    if (lost) request.raw.socket.destroy();
    return payload;
  });
}

/** Graph's `request-id` header of an answer (set by the Graph dispatcher), or null. */
function requestIdOf(reply: FastifyReply): string | null {
  const value = reply.getHeader('request-id');
  return typeof value === 'string' ? value : null;
}
