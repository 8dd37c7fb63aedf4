import { z } from 'zod';
import { pageQuerySchema } from '../common/cursor';
import type { EventPayload } from '../events/events.types';
import { tenantIdSchema } from '../tenants/tenant.dto';
import type { IssueRecord } from './issues.repository';

/** Query of GET /v1/issues. */
export const listIssuesQuerySchema = pageQuerySchema.extend({
  status: z.enum(['open', 'resolved']).optional(),
  tenantId: tenantIdSchema.optional(),
  kind: z
    .string()
    .regex(/^[a-z_]{1,64}$/)
    .optional(),
  subjectId: z.string().min(1).max(100).optional(),
});
export type ListIssuesQuery = z.infer<typeof listIssuesQuerySchema>;

/** An issue as the API shows it. */
export interface IssueDto {
  id: string;
  kind: string;
  status: string;
  tenantId: string | null;
  subject: { kind: string; id: string };
  occurrences: number;
  details: EventPayload;
  firstEventId: string;
  lastEventId: string;
  openedAt: string;
  lastSeenAt: string;
  resolvedAt: string | null;
  resolution: string | null;
}

export function toIssueDto(issue: IssueRecord): IssueDto {
  return {
    id: issue.id,
    kind: issue.kind,
    status: issue.status,
    tenantId: issue.tenantExternalId,
    subject: { kind: issue.subjectKind, id: issue.subjectId },
    occurrences: issue.occurrences,
    details: issue.details,
    firstEventId: issue.firstEventId,
    lastEventId: issue.lastEventId,
    openedAt: issue.openedAt.toISOString(),
    lastSeenAt: issue.lastSeenAt.toISOString(),
    resolvedAt: issue.resolvedAt?.toISOString() ?? null,
    resolution: issue.resolution,
  };
}
