import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { AuthenticatedProject } from './api-keys.service';

/** Where {@link ApiKeyGuard} leaves the verified caller on the request. */
export const AUTHENTICATED = Symbol('authpipe.authenticated');

export type AuthenticatedRequest = FastifyRequest & { [AUTHENTICATED]?: AuthenticatedProject };

/**
 * The project whose API key authenticated the request. Only valid on routes behind
 * `ApiKeyGuard`; elsewhere it fails loudly rather than yield an unscoped query.
 */
export const CurrentProject = createParamDecorator((_data: unknown, ctx: ExecutionContext): AuthenticatedProject => {
  const auth = ctx.switchToHttp().getRequest<AuthenticatedRequest>()[AUTHENTICATED];
  if (!auth) throw new Error('@CurrentProject() used on a route without ApiKeyGuard');
  return auth;
});
