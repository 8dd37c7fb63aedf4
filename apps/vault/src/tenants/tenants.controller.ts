import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ApiKeyGuard } from '../api-keys/api-key.guard';
import type { AuthenticatedProject } from '../api-keys/api-keys.service';
import { CurrentProject } from '../api-keys/current-project.decorator';
import { pageQuerySchema } from '../common/cursor';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { tenantDtoJsonSchema, tenantIdSchema, type TenantDto, type TenantPageDto } from './tenant.dto';
import { TenantsService } from './tenants.service';

/** GET /v1/tenants and GET /v1/tenants/:tenantId. */
@ApiTags('tenants')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard)
@Controller('v1/tenants')
export class TenantsController {
  constructor(private readonly tenants: TenantsService) {}

  @Get()
  @ApiOperation({ summary: "The project's tenants with their data key versions and secret counts" })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 100, default: 50 } })
  @ApiQuery({ name: 'cursor', required: false, schema: { type: 'string' } })
  @ApiOkResponse({
    schema: {
      type: 'object',
      properties: {
        data: { type: 'array', items: tenantDtoJsonSchema },
        nextCursor: { type: 'string', nullable: true },
      },
    },
  })
  list(
    @CurrentProject() caller: AuthenticatedProject,
    @Query(new ZodValidationPipe(pageQuerySchema)) query: z.infer<typeof pageQuerySchema>,
  ): Promise<TenantPageDto> {
    return this.tenants.list(caller.projectId, query);
  }

  @Get(':tenantId')
  @ApiOperation({ summary: 'One tenant of the project, by the id the project gave it' })
  @ApiParam({ name: 'tenantId', example: 'org_acme' })
  @ApiOkResponse({ schema: tenantDtoJsonSchema })
  get(
    @CurrentProject() caller: AuthenticatedProject,
    @Param('tenantId', new ZodValidationPipe(tenantIdSchema)) tenantId: string,
  ): Promise<TenantDto> {
    return this.tenants.get(caller.projectId, tenantId);
  }
}
