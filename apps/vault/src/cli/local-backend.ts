import { ApiKeysService } from '../api-keys/api-keys.service';
import { toKeyJobDto } from '../admin/key-job.dto';
import { KeyJobsService } from '../keys/key-jobs.service';
import { toProjectDto } from '../projects/project.dto';
import type { ProjectSettings } from '../projects/projects.repository';
import { ProjectsService } from '../projects/projects.service';
import { openCliContext, type CliContext } from './cli-context';
import type { OnProgress, VaultBackend } from './vault-backend';

// Loaded only when a command runs on the database itself (PostgreSQL, or a free embedded one):
// it brings Nest, Prisma and the vault's services.

/** Runs commands in this process on the vault's services. */
export class LocalBackend implements VaultBackend {
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

/** Opens the vault's database for this process (see openCliContext) and runs commands on it. */
export async function openLocalBackend(
  env: Record<string, string | undefined>,
): Promise<{ backend: VaultBackend; createdKeyFile: string | null }> {
  const ctx = await openCliContext(env);
  return { backend: new LocalBackend(ctx), createdKeyFile: ctx.createdKeyFile };
}
