import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyGuard } from '../api-keys/api-key.guard';
import type { AuthenticatedProject } from '../api-keys/api-keys.service';
import { CurrentProject } from '../api-keys/current-project.decorator';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { listIssuesQuerySchema, type IssueDto, type ListIssuesQuery } from './issue.dto';
import { IssuesService } from './issues.service';

/** GET /v1/issues: one issue per problem of a credential or app, open until it recovers. */
@ApiTags('issues')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard)
@Controller('v1/issues')
export class IssuesController {
  constructor(private readonly issues: IssuesService) {}

  @Get()
  @ApiOperation({ summary: 'Deduplicated issues, filtered by status, tenantId, kind, subjectId; cursor-paginated' })
  list(
    @CurrentProject() caller: AuthenticatedProject,
    @Query(new ZodValidationPipe(listIssuesQuerySchema)) query: ListIssuesQuery,
  ): Promise<{ data: IssueDto[]; nextCursor: string | null }> {
    return this.issues.list(caller.projectId, query);
  }
}
