import { Catch, HttpException, Inject, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiError, STATUS_CODES, type ApiErrorBody } from './api-error';
import { domainErrorOf } from './domain-errors';
import { noteErrorCode } from './error-code-note';
import { IDS, type IdGenerator } from './id-generator';

/**
 * The one place errors become HTTP responses. Expected errors ({@link ApiError}) keep their
 * code and message. Framework errors (unknown route, malformed JSON) get a generic message per
 * status, because theirs echo the request path and query, which may hold codes or sessions.
 * Key-management and crypto errors are mapped by their stable code (common/domain-errors.ts).
 * Anything else is a bug: it is logged with an error id and the client sees only that id.
 */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('ErrorFilter');

  constructor(@Inject(IDS) private readonly ids: IdGenerator) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, body } = this.toResponse(exception);
    noteErrorCode(reply.raw, body.code);
    void reply.status(status).header('content-type', 'application/json; charset=utf-8').send({ error: body });
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

function frameworkStatus(exception: unknown): number | null {
  if (exception instanceof HttpException) return exception.getStatus();
  // Fastify's own errors (body parsing, content type, size limits) carry `statusCode`.
  const statusCode = (exception as { statusCode?: unknown } | null)?.statusCode;
  return typeof statusCode === 'number' && statusCode >= 400 && statusCode < 600 ? statusCode : null;
}
