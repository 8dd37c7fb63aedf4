import { Body, Controller, Delete, Get, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ZodError, z } from 'zod';
import type { ApiKeyDto, CreatedApiKeyDto } from '../api-keys/api-key.dto';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { ApiError } from '../common/api-error';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { KeyJobsService } from '../keys/key-jobs.service';
import { KeyJobBusyError, TenantNotFoundError } from '../keys/keys.errors';
import { toProjectDto, type ProjectDto } from '../projects/project.dto';
import { ProjectsService, updateProjectSchema } from '../projects/projects.service';
import { AdminGuard } from './admin.guard';
import { toKeyJobDto, type KeyJobDto } from './key-job.dto';

const nameBody = z.object({ name: z.string() });
const optionalNameBody = z.object({ name: z.string().optional() }).default({});

/**
 * The CLI's way into a running vault that holds the embedded database: the same operations
 * as the CLI's commands, behind the admin token. Not part of the public API.
 */
@ApiExcludeController()
@UseGuards(AdminGuard)
@Controller('admin/v1')
export class AdminController {
  constructor(
    private readonly projects: ProjectsService,
    private readonly apiKeys: ApiKeysService,
    private readonly keyJobs: KeyJobsService,
  ) {}

  @Post('projects')
  async createProject(@Body(new ZodValidationPipe(nameBody)) body: z.infer<typeof nameBody>): Promise<ProjectDto> {
    return toProjectDto(await this.projects.create(body));
  }

  @Get('projects')
  async listProjects(): Promise<ProjectDto[]> {
    return (await this.projects.list()).map(toProjectDto);
  }

  /** Project settings, e.g. `{ "allowSharedDirectories": true }`. */
  @Patch('projects/:projectId')
  async updateProject(
    @Param('projectId') projectId: string,
    @Body(new ZodValidationPipe(updateProjectSchema)) body: z.infer<typeof updateProjectSchema>,
  ): Promise<ProjectDto> {
    return toProjectDto(await this.projects.update(projectId, body));
  }

  @Post('projects/:projectId/api-keys')
  createKey(
    @Param('projectId') projectId: string,
    @Body(new ZodValidationPipe(optionalNameBody)) body: z.infer<typeof optionalNameBody>,
  ): Promise<CreatedApiKeyDto> {
    return this.apiKeys.create(projectId, body);
  }

  @Get('projects/:projectId/api-keys')
  listKeys(@Param('projectId') projectId: string): Promise<ApiKeyDto[]> {
    return this.apiKeys.list(projectId);
  }

  @Delete('projects/:projectId/api-keys/:keyId')
  revokeKey(@Param('projectId') projectId: string, @Param('keyId') keyId: string): Promise<ApiKeyDto> {
    return this.apiKeys.revoke(projectId, keyId);
  }

  @Post('master-key/rotate')
  rotateMasterKey(): Promise<KeyJobDto> {
    return job(this.keyJobs.rotateMasterKey());
  }

  @Post('projects/:projectId/tenants/:tenantId/rotate-key')
  rotateTenantKey(@Param('projectId') projectId: string, @Param('tenantId') tenantId: string): Promise<KeyJobDto> {
    return job(this.keyJobs.rotateTenantKey(projectId, tenantId));
  }

  @Post('projects/:projectId/tenants/:tenantId/shred')
  shredTenant(@Param('projectId') projectId: string, @Param('tenantId') tenantId: string): Promise<KeyJobDto> {
    return job(this.keyJobs.shredTenant(projectId, tenantId));
  }
}

// Key-management errors carry stable codes of their own; give them HTTP statuses here.
async function job(run: Promise<Parameters<typeof toKeyJobDto>[0]>): Promise<KeyJobDto> {
  try {
    return toKeyJobDto(await run);
  } catch (error) {
    if (error instanceof TenantNotFoundError) throw ApiError.notFound('tenant_not_found', error.message);
    if (error instanceof KeyJobBusyError) throw ApiError.conflict(error.message);
    if (error instanceof ZodError) throw ApiError.invalidRequest('Invalid project or tenant id.');
    throw error;
  }
}
