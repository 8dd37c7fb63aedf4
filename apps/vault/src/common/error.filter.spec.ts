import { BadRequestException, ConsoleLogger, Logger, NotFoundException } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from './api-error';
import { ErrorFilter } from './error.filter';

describe(ErrorFilter.name, () => {
  const filter = new ErrorFilter();
  const logged: unknown[][] = [];
  beforeAll(() => {
    const capture = (...args: unknown[]) => void logged.push(args);
    Logger.overrideLogger({ log: capture, error: capture, warn: capture, debug: capture, verbose: capture, fatal: capture });
  });
  afterAll(() => Logger.overrideLogger(new ConsoleLogger()));

  describe('toResponse', () => {
    it('keeps the status, code, message, remediation and details of an ApiError', () => {
      const error = new ApiError(409, 'conflict', 'Already there.', {
        remediation: 'Use another name.',
        details: { field: 'name' },
      });
      expect(filter.toResponse(error)).toEqual({
        status: 409,
        body: {
          code: 'conflict',
          message: 'Already there.',
          remediation: 'Use another name.',
          details: { field: 'name' },
        },
      });
    });

    it("replaces a framework error's message, which may echo the path and query, by a generic one", () => {
      const error = new NotFoundException('Cannot GET /oauth/callback?code=secret-code');
      expect(filter.toResponse(error)).toEqual({
        status: 404,
        body: { code: 'not_found', message: 'No such resource.' },
      });
    });

    it('maps Fastify errors that carry a 4xx statusCode by status', () => {
      const error = Object.assign(new Error('Body is not valid JSON but content-type is set to json: {"token":"x'), {
        statusCode: 400,
      });
      expect(filter.toResponse(error)).toEqual({
        status: 400,
        body: { code: 'invalid_request', message: 'The request is malformed.' },
      });
      expect(filter.toResponse(new BadRequestException('x')).body.code).toBe('invalid_request');
    });

    it('turns anything else into internal_error with a fresh error id and no detail', () => {
      const first = filter.toResponse(new TypeError('secret-ish detail'));
      const second = filter.toResponse({ weird: true });
      expect(first.status).toBe(500);
      expect(first.body).toEqual({ code: 'internal_error', message: expect.any(String), errorId: expect.any(String) });
      expect(JSON.stringify(first.body)).not.toContain('secret-ish');
      expect(second.body.errorId).not.toBe(first.body.errorId);
      // The log keeps what the body hides, under the same error id.
      expect(logged).toContainEqual([{ errorId: first.body.errorId, err: expect.any(TypeError) }, 'Unexpected error', 'ErrorFilter']);
    });
  });
});
