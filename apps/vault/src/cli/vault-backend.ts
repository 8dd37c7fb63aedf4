import path from 'node:path';
import type { ApiKeyDto, CreatedApiKeyDto } from '../api-keys/api-key.dto';
import type { AdminEndpoint } from '../admin/admin-endpoint';
import type { KeyJobDto } from '../admin/key-job.dto';
import type { KeyJobProgress } from '../keys/key-job.types';
import type { ProjectDto } from '../projects/project.dto';
import type { ProjectSettings } from '../projects/projects.repository';

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

/**
 * Where a command runs. Embedded database held by a running vault that published its admin
 * endpoint: through that server, found from its files alone, without loading the vault's modules
 * (a command then takes a fraction of a second). Otherwise on the database directly (PostgreSQL,
 * or the embedded PGlite when free); if a vault took the embedded database meanwhile, through its
 * endpoint after all; without one, the busy error says which process holds it.
 */
export async function openBackend(
  env: Record<string, string | undefined>,
): Promise<{ backend: VaultBackend; createdKeyFile: string | null }> {
  // PostgreSQL: straight to the database, loading nothing of the admin endpoint or its client.
  const embedded = !env.DATABASE_URL;
  if (embedded) {
    const endpoint = await runningEndpoint(dataDirOf(env));
    if (endpoint !== null) return { backend: await adminClient(endpoint), createdKeyFile: null };
  }
  const { openLocalBackend } = await import('./local-backend.js');
  try {
    return await openLocalBackend(env);
  } catch (error) {
    if (!embedded) throw error;
    const { EmbeddedDatabaseBusyError } = await import('../admin/embedded-database.js');
    if (!(error instanceof EmbeddedDatabaseBusyError)) throw error;
    const { readAdminEndpoint } = await import('../admin/admin-endpoint.js');
    const endpoint = await readAdminEndpoint(dataDirOf(env));
    if (endpoint === null || endpoint.pid !== error.pid) throw error;
    return { backend: await adminClient(endpoint), createdKeyFile: null };
  }
}

async function adminClient(endpoint: AdminEndpoint): Promise<VaultBackend> {
  const { AdminClient } = await import('./admin-client.js');
  return new AdminClient(endpoint);
}

/** The data directory as config.schema.ts resolves it (without loading the whole config). */
export function dataDirOf(env: Record<string, string | undefined>): string {
  return path.resolve(env.AUTHPIPE_DATA_DIR || './data');
}

/** The published admin endpoint of a vault process that is still alive, else null. */
async function runningEndpoint(dataDir: string): Promise<AdminEndpoint | null> {
  const { readAdminEndpoint } = await import('../admin/admin-endpoint.js');
  const endpoint = await readAdminEndpoint(dataDir);
  if (endpoint === null) return null;
  try {
    process.kill(endpoint.pid, 0);
    return endpoint;
  } catch (error) {
    // EPERM: alive, another user's; ESRCH: a vault that stopped without cleaning up.
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? endpoint : null;
  }
}
