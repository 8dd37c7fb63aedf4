import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyGuard } from '../api-keys/api-key.guard';
import type { AuthenticatedProject } from '../api-keys/api-keys.service';
import { CurrentProject } from '../api-keys/current-project.decorator';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import {
  appIdSchema,
  createAppSchema,
  listAppsQuerySchema,
  updateAppSchema,
  type AppCheckDto,
  type AppDto,
  type ListAppsQuery,
} from './app.dto';
import { AppsService } from './apps.service';
import { openApiSchema } from './openapi-schema';

/** /v1/apps: the project's provider apps. Credentials are write-only. */
@ApiTags('apps')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard)
@Controller('v1/apps')
export class AppsController {
  constructor(private readonly apps: AppsService) {}

  @Post()
  @ApiOperation({
    summary: 'Add a provider app (client id, secret or certificate, cloud, scopes, redirect URIs, origins)',
  })
  @ApiBody({ schema: openApiSchema(createAppSchema) })
  create(@CurrentProject() caller: AuthenticatedProject, @Body() body: unknown): Promise<AppDto> {
    // The service validates the body: it owns the rules (scope catalogue, certificates).
    return this.apps.create(caller.projectId, body);
  }

  @Get()
  @ApiOperation({ summary: "The project's apps (never their secrets)" })
  list(
    @CurrentProject() caller: AuthenticatedProject,
    @Query(new ZodValidationPipe(listAppsQuerySchema)) query: ListAppsQuery,
  ): Promise<{ data: AppDto[]; nextCursor: string | null }> {
    return this.apps.list(caller.projectId, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One app' })
  get(
    @CurrentProject() caller: AuthenticatedProject,
    @Param('id', new ZodValidationPipe(appIdSchema)) id: string,
  ): Promise<AppDto> {
    return this.apps.get(caller.projectId, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change an app; a new credential, client id or cloud resets its status to unchecked' })
  @ApiBody({ schema: openApiSchema(updateAppSchema) })
  update(
    @CurrentProject() caller: AuthenticatedProject,
    @Param('id', new ZodValidationPipe(appIdSchema)) id: string,
    @Body() body: unknown,
  ): Promise<AppDto> {
    return this.apps.update(caller.projectId, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete an app that no installation or connection uses' })
  async delete(
    @CurrentProject() caller: AuthenticatedProject,
    @Param('id', new ZodValidationPipe(appIdSchema)) id: string,
  ): Promise<void> {
    await this.apps.delete(caller.projectId, id);
  }

  @Post(':id/check')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Does the secret or certificate get an app-only token right now? Stores the result as the status',
  })
  check(
    @CurrentProject() caller: AuthenticatedProject,
    @Param('id', new ZodValidationPipe(appIdSchema)) id: string,
  ): Promise<AppCheckDto> {
    return this.apps.check(caller.projectId, id);
  }
}
