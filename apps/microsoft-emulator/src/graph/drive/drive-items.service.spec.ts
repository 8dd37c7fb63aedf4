import { beforeEach, describe, expect, it } from 'vitest';
import { ControllableClock } from '../../clock/controllable-clock';
import type { Drive } from '../../directory/directory.types';
import { InMemoryDirectoryStore } from '../../directory/in-memory-directory.store';
import { SEED, seedDirectory } from '../../directory/seed';
import { DriveItemsService } from './drive-items.service';

const tenantId = SEED.contoso.tenantId;
const site = SEED.contoso.marketingSite;
const root = { base: { by: 'root' as const }, path: [] };

describe(DriveItemsService.name, () => {
  let store: InMemoryDirectoryStore;
  let clock: ControllableClock;
  let service: DriveItemsService;
  let drive: Drive;

  beforeEach(() => {
    clock = new ControllableClock(() => new Date('2026-11-22T10:00:00Z'));
    store = new InMemoryDirectoryStore(clock);
    seedDirectory(store, clock.now());
    service = new DriveItemsService(store, clock);
    drive = store.findDrive(tenantId, site.driveId) as Drive;
  });

  const rootItem = () => store.rootOf(tenantId, drive.id);
  const upload = (path: string[], text: string, behavior: 'fail' | 'replace' | 'rename' = 'replace') =>
    service.upload(tenantId, drive, { base: { by: 'root' }, path }, Buffer.from(text), behavior);

  describe('resolve', () => {
    it('walks a path case-insensitively and treats the literal id "root" as the root', () => {
      expect(
        service.resolve(tenantId, drive, { base: { by: 'root' }, path: ['CAMPAIGNS', 'spring LAUNCH.txt'] }).id,
      ).toBe(site.launchFileId);
      expect(service.resolve(tenantId, drive, { base: { by: 'id', id: 'root' }, path: [] }).id).toBe(site.rootId);
    });

    it("does not find an item of this drive through another tenant's id", () => {
      expect(() =>
        service.resolve(SEED.fabrikam.tenantId, drive, { base: { by: 'id', id: site.brandFileId }, path: [] }),
      ).toThrow(expect.objectContaining({ status: 404, code: 'itemNotFound' }));
    });
  });

  describe('upload', () => {
    it('bumps the version and modification time when it replaces content', () => {
      const first = upload(['a.txt'], 'one').item;
      clock.advance(60_000);
      const second = upload(['a.txt'], 'two');
      expect(second).toMatchObject({ created: false, item: { id: first.id, version: first.version + 1 } });
      expect(second.item.lastModifiedAt.getTime() - first.lastModifiedAt.getTime()).toBe(60_000);
    });

    it('refuses to go through a file as if it were a folder, and to replace a folder with a file', () => {
      expect(() => upload(['Brand guidelines.txt', 'inner.txt'], 'x')).toThrow(
        expect.objectContaining({ status: 400, code: 'invalidRequest' }),
      );
      expect(() => upload(['Campaigns'], 'x')).toThrow(
        expect.objectContaining({ status: 409, code: 'nameAlreadyExists' }),
      );
    });
  });

  describe('createFolder', () => {
    it('replaces a file of the same name with a new folder', () => {
      const result = service.createFolder(tenantId, rootItem(), 'Brand guidelines.txt', 'replace');
      expect(result.created).toBe(true);
      expect(result.item.kind).toBe('folder');
      expect(store.findItem(tenantId, drive.id, site.brandFileId)).toBeUndefined();
    });
  });

  describe('update', () => {
    it('renames an item to a different case of its own name without a conflict', () => {
      const brand = service.resolve(tenantId, drive, { base: { by: 'id', id: site.brandFileId }, path: [] });
      expect(service.update(tenantId, drive, brand, { name: 'BRAND GUIDELINES.txt' }, 'fail').name).toBe(
        'BRAND GUIDELINES.txt',
      );
    });

    it('replaces the item in the way when asked to', () => {
      upload(['Campaigns', 'Brand guidelines.txt'], 'older copy');
      const brand = service.resolve(tenantId, drive, { base: { by: 'id', id: site.brandFileId }, path: [] });
      const moved = service.update(tenantId, drive, brand, { parentId: site.campaignsFolderId }, 'replace');
      expect(moved.parentId).toBe(site.campaignsFolderId);
      const inCampaigns = service.children(
        tenantId,
        service.resolve(tenantId, drive, { base: { by: 'id', id: site.campaignsFolderId }, path: [] }),
      );
      expect(inCampaigns.map((i) => i.id).sort()).toEqual([site.brandFileId, site.launchFileId].sort());
    });
  });

  describe('search', () => {
    it('matches everything below for an empty query and nothing for an absent word', () => {
      expect(service.search(tenantId, rootItem(), '').length).toBe(3);
      expect(service.search(tenantId, rootItem(), 'zebra')).toEqual([]);
    });
  });

  describe('sizeOf', () => {
    it('sums the files below a folder', () => {
      expect(service.sizeOf(tenantId, service.resolve(tenantId, drive, root))).toBe(46 + 32);
    });
  });
});
