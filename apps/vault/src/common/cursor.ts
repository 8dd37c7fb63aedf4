import { z } from 'zod';
import { ApiError } from './api-error';

/**
 * Opaque pagination cursors: base64url of a small JSON value. Opaque so clients do not build
 * them, validated so a forged cursor is a 400 rather than a query error.
 */
export function encodeCursor(value: string): string {
  return Buffer.from(JSON.stringify({ after: value }), 'utf8').toString('base64url');
}

const cursorSchema = z.object({ after: z.string().min(1).max(256) });

/** Decodes a cursor made by {@link encodeCursor}; throws `invalid_request` on anything else. */
export function decodeCursor(cursor: string): string {
  try {
    return cursorSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))).after;
  } catch {
    throw ApiError.invalidRequest('The cursor is invalid.', [
      { path: 'cursor', message: 'not a cursor returned by this API' },
    ]);
  }
}

/** Query of every cursor-paginated list (the contract's). */
export { pageQuerySchema } from '@authpipe/contract';
