import { z } from 'zod';
import type { ApiKeyDto, CreatedApiKeyDto } from '../api-keys/api-key.dto';
import type { AdminEndpoint } from '../admin/admin-endpoint';
import type { KeyJobDto } from '../admin/key-job.dto';
import type { ProjectDto } from '../projects/project.dto';
import type { ProjectSettings } from '../projects/projects.repository';
import type { VaultBackend } from './vault-backend';

/** An error answered by a running vault (its admin API or its public API), with its stable code. */
export class AdminApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'AdminApiError';
  }
}

const project = z.object({
  id: z.string(),
  name: z.string(),
  allowSharedDirectories: z.boolean(),
  createdAt: z.string(),
});
const apiKey = z.object({
  id: z.string(),
  projectId: z.string(),
  publicId: z.string(),
  name: z.string(),
  lastFour: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
const createdKey = apiKey.extend({ secretKey: z.string() });
const keyJob = z.object({
  id: z.string(),
  kind: z.string(),
  status: z.string(),
  projectId: z.string().nullable(),
  tenantId: z.string().nullable(),
  processed: z.number(),
  total: z.number(),
  result: z.record(z.string(), z.unknown()),
  finishedAt: z.string().nullable(),
});
const errorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/**
 * The CLI's client of a running vault's admin API (see admin/admin-endpoint.ts). Every
 * response is parsed with a schema before use. Key jobs run on the server; their progress is
 * in the server's log, and the command waits for the end.
 */
export class AdminClient implements VaultBackend {
  readonly where: string;

  constructor(private readonly endpoint: AdminEndpoint) {
    this.where = `the vault at ${endpoint.url} (pid ${endpoint.pid})`;
  }

  createProject(name: string): Promise<ProjectDto> {
    return this.call('POST', '/projects', project, { name });
  }
  listProjects(): Promise<ProjectDto[]> {
    return this.call('GET', '/projects', z.array(project));
  }
  updateProject(projectId: string, settings: ProjectSettings): Promise<ProjectDto> {
    return this.call('PATCH', `/projects/${enc(projectId)}`, project, settings);
  }
  createKey(projectId: string, name: string): Promise<CreatedApiKeyDto> {
    return this.call('POST', `/projects/${enc(projectId)}/api-keys`, createdKey, { name });
  }
  listKeys(projectId: string): Promise<ApiKeyDto[]> {
    return this.call('GET', `/projects/${enc(projectId)}/api-keys`, z.array(apiKey));
  }
  revokeKey(projectId: string, keyId: string): Promise<ApiKeyDto> {
    return this.call('DELETE', `/projects/${enc(projectId)}/api-keys/${enc(keyId)}`, apiKey);
  }
  rotateMasterKey(): Promise<KeyJobDto> {
    return this.call('POST', '/master-key/rotate', keyJob);
  }
  rotateTenantKey(projectId: string, tenantId: string): Promise<KeyJobDto> {
    return this.call('POST', `/projects/${enc(projectId)}/tenants/${enc(tenantId)}/rotate-key`, keyJob);
  }
  shredTenant(projectId: string, tenantId: string): Promise<KeyJobDto> {
    return this.call('POST', `/projects/${enc(projectId)}/tenants/${enc(tenantId)}/shred`, keyJob);
  }
  async close(): Promise<void> {}

  private async call<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    body?: unknown,
  ): Promise<z.infer<S>> {
    const res = await fetch(`${this.endpoint.url}/admin/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.endpoint.token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const json: unknown = await res.json().catch(() => null);
    if (!res.ok) {
      const parsed = errorBody.safeParse(json);
      if (parsed.success) throw new AdminApiError(res.status, parsed.data.error.code, parsed.data.error.message);
      throw new AdminApiError(res.status, 'internal_error', `The vault answered HTTP ${res.status}.`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success)
      throw new AdminApiError(res.status, 'internal_error', 'The vault answered an unexpected shape.');
    return parsed.data;
  }
}

const enc = encodeURIComponent;
