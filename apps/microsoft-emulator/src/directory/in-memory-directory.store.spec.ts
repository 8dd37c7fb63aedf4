import { describe, expect, it } from 'vitest';
import { ControllableClock } from '../clock/controllable-clock';
import { DirectoryObjectNotFoundError, InMemoryDirectoryStore } from './in-memory-directory.store';
import { SEED, seedDirectory } from './seed';

function seededStore(): { store: InMemoryDirectoryStore; clock: ControllableClock } {
  const clock = new ControllableClock(() => new Date('2026-01-01T00:00:00Z'));
  const store = new InMemoryDirectoryStore(clock);
  seedDirectory(store, clock.now());
  return { store, clock };
}

describe(InMemoryDirectoryStore.name, () => {
  describe('findTenant', () => {
    it('finds a tenant by GUID and by any verified domain, case-insensitively', () => {
      const { store } = seededStore();
      expect(store.findTenant(SEED.contoso.tenantId)?.displayName).toBe('Contoso');
      expect(store.findTenant('CONTOSO.com')?.id).toBe(SEED.contoso.tenantId);
      expect(store.findTenant('contoso.onmicrosoft.com')?.id).toBe(SEED.contoso.tenantId);
      expect(store.findTenant('nowhere.example')).toBeUndefined();
    });
  });

  describe('findUser', () => {
    it('finds a user by id or UPN only inside the user’s own tenant', () => {
      const { store } = seededStore();
      expect(store.findUser(SEED.contoso.tenantId, SEED.contoso.adele.upn.toUpperCase())?.id).toBe(
        SEED.contoso.adele.id,
      );
      expect(store.findUser(SEED.contoso.tenantId, SEED.contoso.adele.id)?.displayName).toBe('Adele Vance');
      expect(store.findUser(SEED.fabrikam.tenantId, SEED.contoso.adele.id)).toBeUndefined();
      expect(store.findUser(SEED.fabrikam.tenantId, SEED.contoso.adele.upn)).toBeUndefined();
    });
  });

  describe('driveOfUser', () => {
    it('creates a business OneDrive on first use and returns the same drive afterwards', () => {
      const { store } = seededStore();
      const first = store.driveOfUser(SEED.contoso.tenantId, SEED.contoso.alex.id);
      expect(first.driveType).toBe('business');
      expect(store.driveOfUser(SEED.contoso.tenantId, SEED.contoso.alex.upn).id).toBe(first.id);
      expect(store.rootOf(SEED.contoso.tenantId, first.id).parentId).toBeNull();
      expect(store.findDrive(SEED.fabrikam.tenantId, first.id)).toBeUndefined();
    });

    it('gives a personal account a personal drive', () => {
      const { store } = seededStore();
      expect(store.driveOfUser(SEED.consumers.tenantId, SEED.consumers.megan.id).driveType).toBe('personal');
    });

    it('throws for a user of another tenant', () => {
      const { store } = seededStore();
      expect(() => store.driveOfUser(SEED.fabrikam.tenantId, SEED.contoso.alex.id)).toThrow(
        DirectoryObjectNotFoundError,
      );
    });
  });

  describe('findSiteByPath', () => {
    it('finds the Marketing site by hostname and server-relative path, ignoring case and slashes', () => {
      const { store } = seededStore();
      const site = store.findSiteByPath(SEED.contoso.tenantId, 'Contoso.SharePoint.com', 'sites/marketing/');
      expect(site?.id).toBe(SEED.contoso.marketingSite.id);
      expect(
        store.findSiteByPath(SEED.fabrikam.tenantId, 'contoso.sharepoint.com', '/sites/Marketing'),
      ).toBeUndefined();
    });
  });

  describe('childrenOf', () => {
    it('lists the seeded library folders and files', () => {
      const { store } = seededStore();
      const s = SEED.contoso.marketingSite;
      const names = store
        .childrenOf(SEED.contoso.tenantId, s.driveId, s.rootId)
        .map((i) => i.name)
        .sort();
      expect(names).toEqual(['Brand guidelines.txt', 'Campaigns']);
      expect(store.findItem(SEED.contoso.tenantId, s.driveId, s.launchFileId)?.content?.toString()).toContain('Launch');
    });
  });

  describe('deleteItem', () => {
    it('deletes a folder with everything under it', () => {
      const { store } = seededStore();
      const s = SEED.contoso.marketingSite;
      store.deleteItem(SEED.contoso.tenantId, s.driveId, s.campaignsFolderId);
      expect(store.findItem(SEED.contoso.tenantId, s.driveId, s.launchFileId)).toBeUndefined();
      expect(store.findItem(SEED.contoso.tenantId, s.driveId, s.brandFileId)).toBeDefined();
    });
  });

  describe('revokeSignInSessions', () => {
    it('stamps the user with the current emulator time', () => {
      const { store, clock } = seededStore();
      clock.advance(60_000);
      const user = store.revokeSignInSessions(SEED.contoso.tenantId, SEED.contoso.adele.id);
      expect(user.refreshTokensValidFrom?.toISOString()).toBe('2026-01-01T00:01:00.000Z');
    });
  });

  describe('grantUserConsent', () => {
    it('merges scopes with an earlier consent of the same user', () => {
      const { store } = seededStore();
      const base = { tenantId: SEED.contoso.tenantId, userId: SEED.contoso.adele.id, clientId: SEED.demoApp.clientId };
      store.grantUserConsent({ ...base, scopes: ['User.Read'] });
      store.grantUserConsent({ ...base, scopes: ['Files.Read'] });
      expect(store.findUserConsent(base.tenantId, base.userId, base.clientId.toUpperCase())?.scopes).toEqual([
        'User.Read',
        'Files.Read',
      ]);
      expect(store.removeUserConsent(base.tenantId, base.userId, base.clientId)).toBe(true);
      expect(store.findUserConsent(base.tenantId, base.userId, base.clientId)).toBeUndefined();
    });
  });

  describe('addSecret', () => {
    it('generates an Entra-shaped secret whose hint is its first three characters', () => {
      const { store, clock } = seededStore();
      const secret = store.addSecret(SEED.demoApp.clientId, { expiresAt: clock.now() });
      expect(secret.value).toMatch(/^.{3}8Q~/);
      expect(secret.hint).toBe(secret.value.slice(0, 3));
      expect(store.findApp(SEED.demoApp.clientId)?.secrets).toHaveLength(2);
    });
  });
});
