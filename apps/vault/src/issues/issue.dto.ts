import type { IssueDto } from '@authpipe/contract';
import type { IssueRecord } from './issues.repository';

// The request and response schemas are the contract's.
export { listIssuesQuerySchema, type IssueDto, type ListIssuesQuery } from '@authpipe/contract';

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
