import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EmulatorClock } from '../directory/contracts';
import { AadstsError, errorBody, type ErrorContext } from './aadsts';
import { loginOriginOf } from './login-origin';

/** Trace and correlation ids as Microsoft sets them: the client's `client-request-id` is echoed as the correlation id. */
export function errorContextOf(request: FastifyRequest, clock: EmulatorClock): ErrorContext {
  const sent = request.headers['client-request-id'];
  const correlationId = typeof sent === 'string' && /^[0-9a-f-]{36}$/i.test(sent) ? sent : randomUUID();
  return { traceId: randomUUID(), correlationId, now: clock.now() };
}

/** Sends an AADSTS error as JSON, or rethrows anything else for Nest's own handling. */
export function sendJsonError(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  clock: EmulatorClock,
): FastifyReply {
  if (!(error instanceof AadstsError)) throw error;
  const context = errorContextOf(request, clock);
  return reply
    .code(error.status)
    .header('cache-control', 'no-store')
    .header('x-ms-request-id', context.traceId)
    .send(errorBody(error, context, loginOriginOf(request).host));
}
