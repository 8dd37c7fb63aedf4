import { Injectable } from '@nestjs/common';
import { decodeCursor, encodeCursor } from '../common/cursor';
import { toIssueDto, type IssueDto, type ListIssuesQuery } from './issue.dto';
import { IssuesRepository } from './issues.repository';

/** GET /v1/issues: the project's deduplicated problems, oldest first. */
@Injectable()
export class IssuesService {
  constructor(private readonly issues: IssuesRepository) {}

  async list(projectId: string, query: ListIssuesQuery): Promise<{ data: IssueDto[]; nextCursor: string | null }> {
    const rows = await this.issues.list(
      projectId,
      { status: query.status, tenantExternalId: query.tenantId, kind: query.kind, subjectId: query.subjectId },
      { limit: query.limit + 1, afterId: query.cursor !== undefined ? decodeCursor(query.cursor) : undefined },
    );
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      data: page.map(toIssueDto),
      nextCursor: rows.length > query.limit && last ? encodeCursor(last.id) : null,
    };
  }
}
