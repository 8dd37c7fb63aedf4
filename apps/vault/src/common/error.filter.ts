import {
  Catch,
  HttpException,
  NotFoundException,
  Inject,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, STATUS_CODES, type ApiErrorBody } from './api-error';
import { domainErrorOf } from './domain-errors';
import { noteErrorCode } from './error-code-note';
import { IDS, type IdGenerator } from './id-generator';

/**
 * The one place errors become HTTP responses. Expected errors ({@link ApiError}) keep their
 * code and message. A request no route serves gets 405 with `Allow` when the path exists with
 * other methods, else 404 naming the method and path (never the query, which may hold codes or
 * sessions) and pointing at /docs. Other framework errors (malformed JSON, size limits) get a
 * generic message per status, because theirs echo the request.
 * Key-management and crypto errors are mapped by their stable code (common/domain-errors.ts).
 * Anything else is a bug: it is logged with an error id and the client sees only that id.
 */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('ErrorFilter');

  constructor(@Inject(IDS) private readonly ids: IdGenerator) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest | undefined>();
    const unrouted = request !== undefined && isUnrouted(exception) ? noRoute(request) : null;
    if (unrouted === null) {
      void this.answer(reply, exception);
      return;
    }
    if (unrouted.allow !== undefined) void reply.header('allow', unrouted.allow.join(', '));
    void write(reply, unrouted.status, unrouted.body);
  }

  /**
   * Answers `exception` on `reply` in the catalog's shape, `Retry-After` included when the error
   * says when to come back, its code noted for the request log: what `catch` does for Nest's
   * routes, for the raw Fastify routes (getCredential, the Graph proxy) too.
   */
  async answer(reply: FastifyReply, exception: unknown): Promise<void> {
    if (reply.sent) return;
    const { status, body } = this.toResponse(exception);
    if (exception instanceof ApiError && exception.extra.retryAfterSeconds !== undefined) {
      void reply.header('retry-after', String(Math.max(1, Math.ceil(exception.extra.retryAfterSeconds))));
    }
    await write(reply, status, body);
  }

  /** Maps any thrown value to a status and an error body. */
  toResponse(exception: unknown): { status: number; body: ApiErrorBody } {
    if (exception instanceof ApiError) return { status: exception.status, body: exception.toBody() };
    const domain = domainErrorOf(exception);
    if (domain !== null) {
      const body: ApiErrorBody = { code: domain.code, message: domain.message };
      if (domain.remediation !== undefined) body.remediation = domain.remediation;
      if (domain.log) {
        body.errorId = this.ids.next('err');
        this.logger.error({ errorId: body.errorId, err: exception }, `Request failed: ${domain.code}`);
      }
      return { status: domain.status, body };
    }
    const status = frameworkStatus(exception);
    if (status !== null && status < 500) {
      const known = STATUS_CODES[status] ?? { code: 'invalid_request' as const, message: 'The request was rejected.' };
      return { status, body: { ...known } };
    }
    const errorId = this.ids.next('err');
    this.logger.error({ errorId, err: exception }, 'Unexpected error');
    return {
      status: 500,
      body: {
        code: 'internal_error',
        message: 'An unexpected error occurred; quote the error id when reporting it.',
        errorId,
      },
    };
  }
}

function write(reply: FastifyReply, status: number, body: ApiErrorBody): FastifyReply {
  noteErrorCode(reply.raw, body.code);
  return reply.status(status).header('content-type', 'application/json; charset=utf-8').send({ error: body });
}

function frameworkStatus(exception: unknown): number | null {
  if (exception instanceof HttpException) return exception.getStatus();
  // Fastify's own errors (body parsing, content type, size limits) carry `statusCode`.
  const statusCode = (exception as { statusCode?: unknown } | null)?.statusCode;
  return typeof statusCode === 'number' && statusCode >= 400 && statusCode < 600 ? statusCode : null;
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** Nest's router answers a request no route serves with a NotFoundException of its own. */
function isUnrouted(exception: unknown): boolean {
  return exception instanceof NotFoundException;
}

/** 405 with the methods the path takes, or 404 naming the method and path. */
function noRoute(request: FastifyRequest): { status: number; body: ApiErrorBody; allow?: string[] } {
  const path = request.url.split('?')[0];
  const allow = METHODS.filter((method) => request.server.findRoute({ method, url: path }) !== null);
  const shown = path.length > 200 ? `${path.slice(0, 200)}…` : path;
  if (allow.length > 0) {
    return {
      status: 405,
      allow,
      body: {
        code: 'method_not_allowed',
        message: `${request.method} is not allowed on ${shown}; it takes ${allow.join(', ')}.`,
        remediation: 'Use one of the methods in the Allow header; see /docs.',
      },
    };
  }
  return {
    status: 404,
    body: {
      code: 'not_found',
      message: `No route ${request.method} ${shown}.`,
      remediation: 'See /docs for the routes of this API.',
    },
  };
}
