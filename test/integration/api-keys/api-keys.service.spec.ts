import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiKeysRepository } from '../../../apps/vault/src/api-keys/api-keys.repository';
import { ApiKeysService } from '../../../apps/vault/src/api-keys/api-keys.service';
import { generateApiKey, hashApiKeySecret, lastFourOf } from '../../../apps/vault/src/api-keys/api-key-format';
import { InvalidationBus } from '../../../apps/vault/src/bus/invalidation-bus';
import type { ApiError } from '../../../apps/vault/src/common/api-error';
import { cryptoRandom } from '../../../apps/vault/src/common/random';
import { UnitOfWork } from '../../../apps/vault/src/database/unit-of-work';
import { ProjectsService } from '../../../apps/vault/src/projects/projects.service';
import { useTestVault } from '@test/support/test-vault';

describe(ApiKeysService.name, () => {
  const vault = useTestVault();
  let service: ApiKeysService;
  let projectId: string;

  beforeAll(async () => {
    service = vault.get(ApiKeysService);
    projectId = (await vault.get(ProjectsService).create({ name: 'Keys' })).id;
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
      const touch = vi.spyOn(vault.get(ApiKeysRepository), 'touchLastUsed');
      const header = `Bearer ${key.secretKey}`;
      await service.authenticate(header);
      vault.clock.advance(30_000);
      await service.authenticate(header);
      expect(touch).toHaveBeenCalledTimes(1);
      vault.clock.advance(31_000);
      await service.authenticate(header);
      expect(touch).toHaveBeenCalledTimes(2);
      await expect
        .poll(async () => (await service.list(projectId)).find((k) => k.id === key.id)?.lastUsedAt, {
          timeout: 10_000,
        })
        .toBe(vault.clock.iso());
      touch.mockRestore();
    });

    it('never moves lastUsedAt back when an older write lands after a newer one', async () => {
      const key = await service.create(projectId);
      const repository = vault.get(ApiKeysRepository);
      const newer = vault.clock.date(120_000);
      await repository.touchLastUsed(projectId, key.id, newer);
      await repository.touchLastUsed(projectId, key.id, vault.clock.date(60_000));
      expect((await service.list(projectId)).find((k) => k.id === key.id)?.lastUsedAt).toBe(newer.toISOString());
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
      await vault.db.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [key.id]);
      // Within the cache TTL the cached row still answers ...
      expect(await failure(service.authenticate(`Bearer ${key.secretKey}`))).toBeNull();
      vault.clock.advance(10_001);
      expect(await failure(service.authenticate(`Bearer ${key.secretKey}`))).toBe('revoked_api_key');
    });
  });

  describe('authenticate: unknown key ids', () => {
    /** A row for `key` written the way another replica or the CLI creates one, with or without its bus message. */
    const insertKey = async (key: ReturnType<typeof generateApiKey>, options: { publish: boolean }) => {
      const id = `key_late${key.publicId}`;
      await vault.get(UnitOfWork).run(async () => {
        await vault.get(ApiKeysRepository).create(projectId, {
          id,
          publicId: key.publicId,
          secretHash: hashApiKeySecret(key),
          name: 'late',
          lastFour: lastFourOf(key.text),
        });
        if (options.publish)
          await vault.get(InvalidationBus).publish({ type: 'api_key.changed', publicId: key.publicId });
      });
      return id;
    };

    it('reads the database once for a repeated unknown key id, then answers from memory', async () => {
      const lookups = vi.spyOn(vault.get(ApiKeysRepository), 'findForAuthentication');
      const header = `Bearer ${generateApiKey(cryptoRandom).text}`;
      for (let i = 0; i < 5; i++) expect(await failure(service.authenticate(header))).toBe('invalid_api_key');
      expect(lookups).toHaveBeenCalledTimes(1);
      lookups.mockRestore();
    });

    it('accepts a key created after its id was answered unknown, as soon as the creation commits', async () => {
      const key = generateApiKey(cryptoRandom);
      expect(await failure(service.authenticate(`Bearer ${key.text}`))).toBe('invalid_api_key');
      const id = await insertKey(key, { publish: true });
      await vi.waitFor(async () =>
        expect(await service.authenticate(`Bearer ${key.text}`)).toEqual({ projectId, apiKeyId: id }),
      );
    });

    it('forgets an unknown id after a minute when no bus message came (a row added by hand)', async () => {
      const key = generateApiKey(cryptoRandom);
      expect(await failure(service.authenticate(`Bearer ${key.text}`))).toBe('invalid_api_key');
      const id = await insertKey(key, { publish: false });
      expect(await failure(service.authenticate(`Bearer ${key.text}`))).toBe('invalid_api_key');
      vault.clock.advance(60_001);
      expect(await service.authenticate(`Bearer ${key.text}`)).toEqual({ projectId, apiKeyId: id });
    });
  });

  describe('revoke', () => {
    it("answers api_key_not_found for another project's key", async () => {
      const other = (await vault.get(ProjectsService).create({ name: 'Other' })).id;
      const key = await service.create(other);
      expect(await failure(service.revoke(projectId, key.id))).toBe('api_key_not_found');
      expect((await service.list(other))[0].revokedAt).toBeNull();
    });
  });
});
