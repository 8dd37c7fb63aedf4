import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiKeysService } from '../../../apps/vault/src/api-keys/api-keys.service';
import { ProjectsService } from '../../../apps/vault/src/projects/projects.service';
import { SecretsService } from '../../../apps/vault/src/secrets/secrets.service';

/** A project with one secret key, made through the vault's own services. */
export async function createProjectWithKey(app: NestFastifyApplication, name: string) {
  const project = await app.get(ProjectsService).create({ name });
  const key = await app.get(ApiKeysService).create(project.id, { name: 'e2e' });
  return { projectId: project.id, key: key.secretKey, keyId: key.id };
}

/** Gives a tenant secrets (which creates the tenant and its data key) through the real envelope. */
export async function seedTenant(app: NestFastifyApplication, projectId: string, tenantId: string, secrets = 1) {
  const service = app.get(SecretsService);
  for (let i = 0; i < secrets; i++) {
    await service.put(
      { projectId, tenantId },
      { recordType: 'e2e', recordId: `${projectId}:${tenantId}:${i}`, field: 'token' },
      `tenant-secret-${i}`,
    );
  }
}

export const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });
