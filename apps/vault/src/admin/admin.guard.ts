import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../common/api-error';
import { adminTokenMatches } from './admin-endpoint';

/** Injection token of this server's admin token. */
export const ADMIN_TOKEN = Symbol('ADMIN_TOKEN');

/** Whether a peer address is this machine's loopback (IPv4 127/8, IPv6 ::1, or IPv4-mapped 127/8). */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return address === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

const PROXY_HEADERS = ['forwarded', 'x-forwarded-for', 'x-real-ip'] as const;

/**
 * Guards /admin/v1. The admin API shares the public listener, so it answers only connections from
 * this machine's loopback that no proxy relayed (a reverse proxy on the same host connects from
 * loopback too, but adds forwarding headers), and only with the bearer token of
 * `<dataDir>/admin.token`.
 */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(@Inject(ADMIN_TOKEN) private readonly token: string) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (!isLoopback(request.socket.remoteAddress) || PROXY_HEADERS.some((h) => request.headers[h] !== undefined)) {
      throw new ApiError('forbidden', 'The admin API answers only on this machine.', {
        remediation:
          'Run the authpipe CLI on the machine the vault runs on; never route /admin through a proxy or expose it.',
      });
    }
    const header = request.headers.authorization ?? '';
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
