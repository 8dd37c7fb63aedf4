import { Test, type TestingModule } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/test-database';
import { ApiError } from '../common/api-error';
import { TestClock } from '../../../../test/support/test-clock';
import { CommonModule } from '../common/common.module';
import { DatabaseModule } from '../database/database.module';
import { ProjectsService } from '../projects/projects.service';
import { ApiKeysModule } from './api-keys.module';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService } from './api-keys.service';

describe(ApiKeysService.name, () => {
  let db: TestDatabase;
  let moduleRef: TestingModule;
  let service: ApiKeysService;
  let projectId: string;
  const clock = new TestClock();

  beforeAll(async () => {
    db = await createTestDatabase();
    moduleRef = await Test.createTestingModule({
      imports: [
        CommonModule.forRoot({ clock: clock.read }),
        DatabaseModule.forRoot(db, { owned: false }),
        ApiKeysModule,
      ],
    }).compile();
    service = moduleRef.get(ApiKeysService);
    projectId = (await moduleRef.get(ProjectsService).create({ name: 'Keys' })).id;
  });
  afterAll(async () => {
    await moduleRef.close();
    await db.close();
  });

  const failure = (p: Promise<unknown>) =>
    p.then(
      () => null,
      (e: unknown) => (e as ApiError).code,
    );

  describe('create', () => {
    it('refuses an unknown project with project_not_found', async () => {
      expect(await failure(service.create('prj_missing'))).toBe('project_not_found');
    });
  });

  describe('authenticate', () => {
    it('returns the project of a valid key', async () => {
      const key = await service.create(projectId);
      expect(await service.authenticate(`Bearer ${key.secretKey}`)).toEqual({ projectId, apiKeyId: key.id });
      expect(await service.authenticate(`bearer   ${key.secretKey}`)).toEqual({ projectId, apiKeyId: key.id });
    });

    it('writes lastUsedAt at most once a minute per key, off the request path', async () => {
      const key = await service.create(projectId);
      const touch = vi.spyOn(moduleRef.get(ApiKeysRepository), 'touchLastUsed');
      const header = `Bearer ${key.secretKey}`;
      await service.authenticate(header);
      clock.advance(30_000);
      await service.authenticate(header);
      expect(touch).toHaveBeenCalledTimes(1);
      clock.advance(31_000);
      await service.authenticate(header);
      expect(touch).toHaveBeenCalledTimes(2);
      await expect
        .poll(async () => (await service.list(projectId)).find((k) => k.id === key.id)?.lastUsedAt)
        .toBe(clock.iso());
      touch.mockRestore();
    });

    it('refuses a key revoked through the service at once, despite the cache', async () => {
      const key = await service.create(projectId);
      await service.authenticate(`Bearer ${key.secretKey}`);
      await service.revoke(projectId, key.publicId);
      expect(await failure(service.authenticate(`Bearer ${key.secretKey}`))).toBe('revoked_api_key');
    });

    it('sees a revocation made by another process once the cache entry expires', async () => {
      const key = await service.create(projectId);
      await service.authenticate(`Bearer ${key.secretKey}`);
      await db.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [key.id]);
      // Within the cache TTL the cached row still answers ...
      expect(await failure(service.authenticate(`Bearer ${key.secretKey}`))).toBeNull();
      clock.advance(10_001);
      expect(await failure(service.authenticate(`Bearer ${key.secretKey}`))).toBe('revoked_api_key');
    });
  });

  describe('revoke', () => {
    it("answers api_key_not_found for another project's key", async () => {
      const other = (await moduleRef.get(ProjectsService).create({ name: 'Other' })).id;
      const key = await service.create(other);
      expect(await failure(service.revoke(projectId, key.id))).toBe('api_key_not_found');
      expect((await service.list(other))[0].revokedAt).toBeNull();
    });
  });
});
