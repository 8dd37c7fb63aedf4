import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ApiError } from './api-error';
import { decodeCursor, encodeCursor, pageQuerySchema } from './cursor';
import { ZodValidationPipe, parseInput } from './zod-validation.pipe';

describe(ZodValidationPipe.name, () => {
  const pipe = new ZodValidationPipe(z.object({ name: z.string().min(2), count: z.coerce.number().int() }));

  describe('transform', () => {
    it('returns the parsed value', () => {
      expect(pipe.transform({ name: 'ab', count: '3' })).toEqual({ name: 'ab', count: 3 });
    });

    it('throws invalid_request listing every broken field without echoing the input', () => {
      let error: unknown;
      try {
        pipe.transform({ name: 'super-secret-value'.slice(0, 1), count: 'not-a-number-secret' });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ApiError);
      const body = (error as ApiError).toBody();
      expect(body.code).toBe('invalid_request');
      expect((body.details as { path: string }[]).map((d) => d.path)).toEqual(['name', 'count']);
      expect(JSON.stringify(body)).not.toContain('secret');
    });
  });

  it('parseInput fails like the pipe', () => {
    expect(() => parseInput(z.string(), 1)).toThrow(ApiError);
  });
});

describe('cursors', () => {
  it('round-trip and reject anything not made by encodeCursor', () => {
    expect(decodeCursor(encodeCursor('org_acme'))).toBe('org_acme');
    expect(() => decodeCursor('zzz')).toThrow(ApiError);
    expect(() => decodeCursor(Buffer.from('{"after":5}').toString('base64url'))).toThrow(ApiError);
  });

  it('page queries default to 50 and cap at 100', () => {
    expect(pageQuerySchema.parse({})).toEqual({ limit: 50 });
    expect(pageQuerySchema.safeParse({ limit: '101' }).success).toBe(false);
  });
});
