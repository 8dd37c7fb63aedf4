import type { ApiKeyDto, CreatedApiKeyDto } from '../api-keys/api-key.dto';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { readAdminEndpoint } from '../admin/admin-endpoint';
import { EmbeddedDatabaseBusyError } from '../admin/embedded-database';
import { toKeyJobDto, type KeyJobDto } from '../admin/key-job.dto';
import { loadConfig } from '../config/config.schema';
import type { KeyJobProgress } from '../keys/key-job.types';
import { KeyJobsService } from '../keys/key-jobs.service';
import { toProjectDto, type ProjectDto } from '../projects/project.dto';
import type { ProjectSettings } from '../projects/projects.repository';
import { ProjectsService } from '../projects/projects.service';
import { AdminClient } from './admin-client';
import { openCliContext, type CliContext } from './cli-context';

export type OnProgress = (progress: KeyJobProgress) => void;

/** What the CLI commands do, whether on the database directly or through a running vault. */
export interface VaultBackend {
  /** Where commands run, for the user's information. */
  readonly where: string;
  createProject(name: string): Promise<ProjectDto>;
  listProjects(): Promise<ProjectDto[]>;
  updateProject(projectId: string, settings: ProjectSettings): Promise<ProjectDto>;
  createKey(projectId: string, name: string): Promise<CreatedApiKeyDto>;
  listKeys(projectId: string): Promise<ApiKeyDto[]>;
  revokeKey(projectId: string, keyId: string): Promise<ApiKeyDto>;
  rotateMasterKey(onProgress: OnProgress): Promise<KeyJobDto>;
  rotateTenantKey(projectId: string, tenantId: string, onProgress: OnProgress): Promise<KeyJobDto>;
  shredTenant(projectId: string, tenantId: string, onProgress: OnProgress): Promise<KeyJobDto>;
  close(): Promise<void>;
}

/** Runs commands in this process on the vault's services. */
class LocalBackend implements VaultBackend {
  readonly where = 'database';
  constructor(private readonly ctx: CliContext) {}

  async createProject(name: string) {
    return toProjectDto(await this.ctx.app.get(ProjectsService).create({ name }));
  }
  async listProjects() {
    return (await this.ctx.app.get(ProjectsService).list()).map(toProjectDto);
  }
  async updateProject(projectId: string, settings: ProjectSettings) {
    return toProjectDto(await this.ctx.app.get(ProjectsService).update(projectId, settings));
  }
  createKey(projectId: string, name: string) {
    return this.ctx.app.get(ApiKeysService).create(projectId, { name });
  }
  listKeys(projectId: string) {
    return this.ctx.app.get(ApiKeysService).list(projectId);
  }
  revokeKey(projectId: string, keyId: string) {
    return this.ctx.app.get(ApiKeysService).revoke(projectId, keyId);
  }
  async rotateMasterKey(onProgress: OnProgress) {
    return toKeyJobDto(await this.ctx.app.get(KeyJobsService).rotateMasterKey({ onProgress }));
  }
  async rotateTenantKey(projectId: string, tenantId: string, onProgress: OnProgress) {
    return toKeyJobDto(await this.ctx.app.get(KeyJobsService).rotateTenantKey(projectId, tenantId, { onProgress }));
  }
  async shredTenant(projectId: string, tenantId: string, onProgress: OnProgress) {
    return toKeyJobDto(await this.ctx.app.get(KeyJobsService).shredTenant(projectId, tenantId, { onProgress }));
  }
  close() {
    return this.ctx.close();
  }
}

/**
 * Opens the vault's database directly (PostgreSQL, or the embedded PGlite when free). When a
 * running vault holds the embedded database and published its admin endpoint, goes through
 * that server instead; otherwise the busy error explains what to do.
 */
export async function openBackend(
  env: Record<string, string | undefined>,
): Promise<{ backend: VaultBackend; createdKeyFile: string | null }> {
  try {
    const ctx = await openCliContext(env);
    return { backend: new LocalBackend(ctx), createdKeyFile: ctx.createdKeyFile };
  } catch (error) {
    if (!(error instanceof EmbeddedDatabaseBusyError)) throw error;
    const endpoint = await readAdminEndpoint(loadConfig(env).dataDir);
    if (endpoint === null || endpoint.pid !== error.pid) throw error;
    return { backend: new AdminClient(endpoint), createdKeyFile: null };
  }
}
