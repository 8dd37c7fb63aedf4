import { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from './catalog';

/** One problem of an `invalid_request`: where (`path`, dotted) and what is wrong. */
export const validationIssueSchema = z.object({
  path: z.string().describe('Dotted path of the field (`credential.secret`); empty for the whole part.'),
  message: z.string(),
  /** Where the field was read from: `body`, `query` or `params`. */
  in: z.enum(['body', 'query', 'params']).optional(),
});
export type ValidationIssue = z.infer<typeof validationIssueSchema>;

/** Body of every error answer: `{ error: ApiErrorBody }`. */
export const apiErrorBodySchema = z.object({
  code: z.enum(ERROR_CODES as [ErrorCode, ...ErrorCode[]]).describe('A stable code of the error catalog.'),
  message: z.string().describe('What went wrong, for a developer; may change between versions.'),
  remediation: z.string().optional().describe('What to do about it.'),
  details: z.unknown().optional().describe('Structured facts: validation issues, ids, the action link ...'),
  errorId: z.string().optional().describe('Server-side faults: quote it to the operator; the log holds the cause.'),
});
export type ApiErrorBody = z.infer<typeof apiErrorBodySchema>;

export const apiErrorResponseSchema = z.object({ error: apiErrorBodySchema });
export type ApiErrorResponse = z.infer<typeof apiErrorResponseSchema>;
