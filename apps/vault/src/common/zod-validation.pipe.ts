import { Injectable, type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { ApiError } from './api-error';

/**
 * Validates a request part (body, query, params) against a zod schema and returns the parsed
 * value. A small pipe of our own because nestjs-zod does not support Nest 12. Issue messages
 * describe the broken rule and never echo the input, which may be a secret.
 */
@Injectable()
export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(private readonly schema: S) {}

  transform(value: unknown): z.infer<S> {
    const parsed = this.schema.safeParse(value);
    if (parsed.success) return parsed.data;
    const details = parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
    throw ApiError.invalidRequest('The request is invalid; see details.', details);
  }
}

/** Parses service input with `schema`, failing with the same `invalid_request` error as the pipe. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  return new ZodValidationPipe(schema).transform(value);
}
