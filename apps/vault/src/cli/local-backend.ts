import type { INestApplicationContext } from '@nestjs/common';
import type { toKeyJobDto } from '../admin/key-job.dto';
import type { KeyJobsService } from '../keys/key-jobs.service';
import { toProjectDto } from '../projects/project.dto';
import type { ProjectSettings } from '../projects/projects.repository';
import { openVault, type OpenedVault } from '../vault-boot';
import { wireCliServices, type CliServices } from './cli-services';
import type { OnProgress, VaultBackend } from './vault-backend';

// Loaded only when a command runs on the database itself (PostgreSQL, or a free embedded one):
// it brings Prisma and the services of the project and key commands. The key jobs' services,
// and Nest's core with them, are loaded only by the key job commands (see keyJobs()).

/** Runs commands in this process on the vault's services. */
export class LocalBackend implements VaultBackend {
  readonly where = 'database';
  private services: CliServices | null = null;
  private keyJobsApp: INestApplicationContext | null = null;

  constructor(private readonly vault: OpenedVault) {}

  async createProject(name: string) {
    return toProjectDto(await this.wired().projects.create({ name }));
  }
  async listProjects() {
    return (await this.wired().projects.list()).map(toProjectDto);
  }
  async updateProject(projectId: string, settings: ProjectSettings) {
    return toProjectDto(await this.wired().projects.update(projectId, settings));
  }
  createKey(projectId: string, name: string) {
    return this.wired().apiKeys.create(projectId, { name });
  }
  listKeys(projectId: string) {
    return this.wired().apiKeys.list(projectId);
  }
  revokeKey(projectId: string, keyId: string) {
    return this.wired().apiKeys.revoke(projectId, keyId);
  }
  async rotateMasterKey(onProgress: OnProgress) {
    const { jobs, toKeyJobDto } = await this.keyJobs();
    return toKeyJobDto(await jobs.rotateMasterKey({ onProgress }));
  }
  async rotateTenantKey(projectId: string, tenantId: string, onProgress: OnProgress) {
    const { jobs, toKeyJobDto } = await this.keyJobs();
    return toKeyJobDto(await jobs.rotateTenantKey(projectId, tenantId, { onProgress }));
  }
  async shredTenant(projectId: string, tenantId: string, onProgress: OnProgress) {
    const { jobs, toKeyJobDto } = await this.keyJobs();
    return toKeyJobDto(await jobs.shredTenant(projectId, tenantId, { onProgress }));
  }

  /** Ends the services, then closes the database this process opened (releasing the embedded lock). */
  async close() {
    try {
      await this.services?.close();
      await this.keyJobsApp?.close();
    } finally {
      if (this.vault.ownsDatabase) await this.vault.database.close();
    }
  }

  private wired(): CliServices {
    return (this.services ??= wireCliServices(this.vault));
  }

  /**
   * Key jobs (rotation, shredding) need the key management services, the secrets and their
   * lifecycle: an application context of the same modules as the server's, built on first use.
   */
  private async keyJobs(): Promise<{ jobs: KeyJobsService; toKeyJobDto: typeof toKeyJobDto }> {
    const [{ createCliApplication }, { KeyJobsService: Jobs }, dto] = await Promise.all([
      import('./cli-context.js'),
      import('../keys/key-jobs.service.js'),
      import('../admin/key-job.dto.js'),
    ]);
    // The database stays this backend's to close (see close()).
    this.keyJobsApp ??= await createCliApplication(this.vault, false);
    return { jobs: this.keyJobsApp.get(Jobs), toKeyJobDto: dto.toKeyJobDto };
  }
}

/** Opens the vault's database for this process (see openVault) and runs commands on it. */
export async function openLocalBackend(
  env: Record<string, string | undefined>,
): Promise<{ backend: VaultBackend; createdKeyFile: string | null }> {
  const vault = await openVault({ env });
  return { backend: new LocalBackend(vault), createdKeyFile: vault.createdKeyFile };
}
