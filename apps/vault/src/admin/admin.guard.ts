import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../common/api-error';
import { adminTokenMatches } from './admin-endpoint';

/** Injection token of this server's admin token. */
export const ADMIN_TOKEN = Symbol('ADMIN_TOKEN');

/** Guards /admin/v1: the bearer token must be the one in `<dataDir>/admin.token`. */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(@Inject(ADMIN_TOKEN) private readonly token: string) {}

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization ?? '';
    const presented = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (presented === undefined || !adminTokenMatches(presented, this.token)) {
      throw new ApiError('unauthorized', 'The admin token is missing or wrong.', {
        remediation:
          'The admin API is for the authpipe CLI on the same machine; it reads the token from the data directory.',
      });
    }
    return true;
  }
}
