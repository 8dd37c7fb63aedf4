import { z } from 'zod';
import { isoDateTime, pageQueryFields, tenantIdSchema } from './common';

/** Query of GET /v1/issues. */
export const listIssuesQuerySchema = z.strictObject({
  ...pageQueryFields,
  status: z.enum(['open', 'resolved']).optional(),
  tenantId: tenantIdSchema.optional(),
  kind: z
    .string()
    .regex(/^[a-z_]{1,64}$/)
    .optional()
    .describe('One kind of issue, e.g. needs_reauth.'),
  subjectId: z.string().min(1).max(100).optional().describe('The id of the credential or app the issue is about.'),
});
export type ListIssuesQuery = z.infer<typeof listIssuesQuerySchema>;

/** An issue as the API shows it: one per problem of a credential or app, open until it recovers. */
export const issueSchema = z.object({
  id: z.string(),
  kind: z.string(),
  status: z.string().describe('open or resolved.'),
  tenantId: z.string().nullable(),
  subject: z.object({ kind: z.string(), id: z.string() }),
  occurrences: z.number().int(),
  details: z.record(z.string(), z.unknown()).describe('The payload of the latest event of the issue.'),
  firstEventId: z.string(),
  lastEventId: z.string(),
  openedAt: isoDateTime,
  lastSeenAt: isoDateTime,
  resolvedAt: isoDateTime.nullable(),
  resolution: z.string().nullable(),
});
export type IssueDto = z.infer<typeof issueSchema>;
