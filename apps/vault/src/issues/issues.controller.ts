import { Controller, UseGuards } from '@nestjs/common';
import { ROUTES, type QueryOf } from '@authpipe/contract';
import { ApiKeyGuard } from '../api-keys/api-key.guard';
import type { AuthenticatedProject } from '../api-keys/api-keys.service';
import { CurrentProject } from '../api-keys/current-project.decorator';
import { Route, RouteQuery } from '../common/route.decorator';
import type { IssueDto } from './issue.dto';
import { IssuesService } from './issues.service';

/** GET /v1/issues: one issue per problem of a credential or app, open until it recovers. */
@UseGuards(ApiKeyGuard)
@Controller()
export class IssuesController {
  constructor(private readonly issues: IssuesService) {}

  @Route(ROUTES.listIssues)
  list(
    @CurrentProject() caller: AuthenticatedProject,
    @RouteQuery(ROUTES.listIssues) query: QueryOf<typeof ROUTES.listIssues>,
  ): Promise<{ data: IssueDto[]; nextCursor: string | null }> {
    return this.issues.list(caller.projectId, query);
  }
}
