import { BadRequestException, ConsoleLogger, Logger, NotFoundException } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CryptoIntegrityError, UnknownMasterKeyVersionError } from '@authpipe/crypto';
import {
  DataKeyUnavailableError,
  KeyJobBusyError,
  SecretScopeConflictError,
  TenantNotFoundError,
} from '../keys/keys.errors';
import { ApiError } from './api-error';
import { systemClock } from './clock';
import { ErrorFilter } from './error.filter';
import { IdGenerator } from './id-generator';
import { cryptoRandom } from './random';

describe(ErrorFilter.name, () => {
  const filter = new ErrorFilter(new IdGenerator(systemClock, cryptoRandom));
  const logged: unknown[][] = [];
  beforeAll(() => {
    const capture = (...args: unknown[]) => void logged.push(args);
    Logger.overrideLogger({
      log: capture,
      error: capture,
      warn: capture,
      debug: capture,
      verbose: capture,
      fatal: capture,
    });
  });
  afterAll(() => Logger.overrideLogger(new ConsoleLogger()));

  describe('toResponse', () => {
    it('keeps the status, code, message, remediation and details of an ApiError', () => {
      const error = new ApiError('conflict', 'Already there.', {
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

    it("takes an ApiError's status from the catalog, allowing only its other documented statuses", () => {
      expect(new ApiError('needs_reauth', 'x').status).toBe(409);
      expect(new ApiError('provider_unavailable', 'x').status).toBe(503);
      expect(new ApiError('custom_endpoint_not_allowed', 'x', { status: 409 }).status).toBe(409);
      expect(() => new ApiError('needs_reauth', 'x', { status: 401 })).toThrow(/documents no status 401/);
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
      expect(logged).toContainEqual([
        { errorId: first.body.errorId, err: expect.any(TypeError) },
        'Unexpected error',
        'ErrorFilter',
      ]);
    });

    describe('key management and crypto errors', () => {
      it.each([
        ['a missing tenant', new TenantNotFoundError('prj_1', 'org_x'), 404, 'tenant_not_found'],
        ['a busy key job', new KeyJobBusyError('tenant-rotate:prj_1:org_x'), 409, 'key_job_busy'],
        [
          'a secret of another scope',
          new SecretScopeConflictError('installation', 'ins_1', 'access_token'),
          409,
          'secret_scope_conflict',
        ],
        [
          'a data key shredded under a write',
          new DataKeyUnavailableError('prj_1', 'org_x'),
          503,
          'data_key_unavailable',
        ],
        [
          'a master key version this replica lacks',
          new UnknownMasterKeyVersionError(3, [1, 2]),
          503,
          'master_key_unavailable',
        ],
        [
          'a ciphertext that fails to open',
          new CryptoIntegrityError('installation ins_1 field access_token'),
          500,
          'crypto_integrity',
        ],
      ])('maps %s by its stable code to %i %s, with a fixed message', (_what, error, status, code) => {
        const { status: mapped, body } = filter.toResponse(error);
        expect({ status: mapped, code: body.code }).toEqual({ status, code });
        // The error's own message names projects, tenants, records and versions: for operators only.
        expect(body.message).not.toContain('prj_1');
        expect(body.message).not.toContain('ins_1');
      });

      it('logs server-side faults under an error id and answers client faults without one', () => {
        const integrity = filter.toResponse(new CryptoIntegrityError('installation ins_1'));
        expect(integrity.body.errorId).toEqual(expect.any(String));
        expect(logged).toContainEqual([
          { errorId: integrity.body.errorId, err: expect.any(CryptoIntegrityError) },
          'Request failed: crypto_integrity',
          'ErrorFilter',
        ]);
        const busy = filter.toResponse(new KeyJobBusyError('k'));
        expect(busy.body).toEqual({
          code: 'key_job_busy',
          message: expect.any(String),
          remediation: expect.any(String),
        });
      });

      it('leaves an error whose code is not a domain code (a system error) internal', () => {
        const error = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
        expect(filter.toResponse(error)).toMatchObject({ status: 500, body: { code: 'internal_error' } });
        const prototypeKey = Object.assign(new Error('x'), { code: 'toString' });
        expect(filter.toResponse(prototypeKey).status).toBe(500);
      });
    });
  });
});
