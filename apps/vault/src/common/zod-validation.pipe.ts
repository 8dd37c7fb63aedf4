import type { ArgumentMetadata, PipeTransform } from '@nestjs/common';
import { Injectable } from './nest-di';
import { validate } from '@authpipe/contract';
import type { z } from 'zod';
import { ApiError } from './api-error';

type Part = 'body' | 'query' | 'params';

const PART: Partial<Record<ArgumentMetadata['type'], Part>> = { body: 'body', query: 'query', param: 'params' };

/**
 * Validates a request part (body, query, params) against a zod schema of the contract and returns
 * the parsed value. A small pipe of our own because nestjs-zod does not support Nest 12. Issues
 * say "required" for missing fields and name unknown keys with a "did you mean"; they describe
 * the broken rule and never echo the input, which may be a secret.
 */
@Injectable()
export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(
    private readonly schema: S,
    private readonly part?: Part,
  ) {}

  transform(value: unknown, metadata?: ArgumentMetadata): z.infer<S> {
    const result = validate(this.schema, value);
    if (result.success) return result.data;
    const part = this.part ?? (metadata !== undefined ? PART[metadata.type] : undefined);
    const details = result.issues.map((issue) => ({
      ...issue,
      ...(issue.path === '' && issue.message === 'required' && part === 'body'
        ? { message: 'a JSON body is required (Content-Type: application/json)' }
        : {}),
      ...(part !== undefined ? { in: part } : {}),
    }));
    const summary = details
      .slice(0, 3)
      .map((issue) => (issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`))
      .join('; ');
    throw ApiError.invalidRequest(
      `The request ${part ?? 'input'} is invalid: ${summary}${details.length > 3 ? '; ...' : ''} (see details).`,
      details,
    );
  }
}

/** Parses service input with `schema`, failing with the same `invalid_request` error as the pipe. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, part: Part = 'body'): z.infer<S> {
  return new ZodValidationPipe(schema, part).transform(value);
}
