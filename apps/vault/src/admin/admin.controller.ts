import { Controller, UseGuards } from '@nestjs/common';
import { ZodError } from 'zod';
import { ADMIN_ROUTES, type BodyOf, type ParamsOf } from '@authpipe/contract';
import type { ApiKeyDto, CreatedApiKeyDto } from '../api-keys/api-key.dto';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { ApiError } from '../common/api-error';
import { Route, RouteBody, RouteParams } from '../common/route.decorator';
import { KeyJobsService } from '../keys/key-jobs.service';
import { KeyJobBusyError, TenantNotFoundError } from '../keys/keys.errors';
import { toProjectDto, type ProjectDto } from '../projects/project.dto';
import { ProjectsService } from '../projects/projects.service';
import { AdminGuard } from './admin.guard';
import { toKeyJobDto, type KeyJobDto } from './key-job.dto';

const R = ADMIN_ROUTES;

/**
 * The CLI's way into a running vault that holds the embedded database: the same operations
 * as the CLI's commands, behind the admin token. Not part of the public API.
 */
@UseGuards(AdminGuard)
@Controller()
export class AdminController {
  constructor(
    private readonly projects: ProjectsService,
    private readonly apiKeys: ApiKeysService,
    private readonly keyJobs: KeyJobsService,
  ) {}

  @Route(R.createProject)
  async createProject(@RouteBody(R.createProject) body: BodyOf<typeof R.createProject>): Promise<ProjectDto> {
    return toProjectDto(await this.projects.create(body));
  }

  @Route(R.listProjects)
  async listProjects(): Promise<ProjectDto[]> {
    return (await this.projects.list()).map(toProjectDto);
  }

  /** Project settings, e.g. `{ "allowSharedDirectories": true }`. */
  @Route(R.updateProject)
  async updateProject(
    @RouteParams(R.updateProject) { projectId }: ParamsOf<typeof R.updateProject>,
    @RouteBody(R.updateProject) body: BodyOf<typeof R.updateProject>,
  ): Promise<ProjectDto> {
    return toProjectDto(await this.projects.update(projectId, body));
  }

  @Route(R.createApiKey)
  createKey(
    @RouteParams(R.createApiKey) { projectId }: ParamsOf<typeof R.createApiKey>,
    @RouteBody(R.createApiKey) body: BodyOf<typeof R.createApiKey>,
  ): Promise<CreatedApiKeyDto> {
    return this.apiKeys.create(projectId, body);
  }

  @Route(R.listApiKeys)
  listKeys(@RouteParams(R.listApiKeys) { projectId }: ParamsOf<typeof R.listApiKeys>): Promise<ApiKeyDto[]> {
    return this.apiKeys.list(projectId);
  }

  @Route(R.revokeApiKey)
  revokeKey(@RouteParams(R.revokeApiKey) { projectId, keyId }: ParamsOf<typeof R.revokeApiKey>): Promise<ApiKeyDto> {
    return this.apiKeys.revoke(projectId, keyId);
  }

  @Route(R.rotateMasterKey)
  rotateMasterKey(): Promise<KeyJobDto> {
    return job(this.keyJobs.rotateMasterKey());
  }

  @Route(R.rotateTenantKey)
  rotateTenantKey(
    @RouteParams(R.rotateTenantKey) { projectId, tenantId }: ParamsOf<typeof R.rotateTenantKey>,
  ): Promise<KeyJobDto> {
    return job(this.keyJobs.rotateTenantKey(projectId, tenantId));
  }

  @Route(R.shredTenant)
  shredTenant(@RouteParams(R.shredTenant) { projectId, tenantId }: ParamsOf<typeof R.shredTenant>): Promise<KeyJobDto> {
    return job(this.keyJobs.shredTenant(projectId, tenantId));
  }
}

// Key-management errors carry stable codes of their own; the catalog gives them HTTP statuses.
async function job(run: Promise<Parameters<typeof toKeyJobDto>[0]>): Promise<KeyJobDto> {
  try {
    return toKeyJobDto(await run);
  } catch (error) {
    if (error instanceof TenantNotFoundError) throw ApiError.notFound('tenant_not_found', error.message);
    if (error instanceof KeyJobBusyError) throw new ApiError('key_job_busy', error.message);
    if (error instanceof ZodError) throw ApiError.invalidRequest('Invalid project or tenant id.');
    throw error;
  }
}
