import { beforeAll, describe, expect, it } from 'vitest';
import { asTenantExternalId } from '../../../apps/vault/src/common/tenant-ids';
import { CredentialHistoryRepository } from '../../../apps/vault/src/credentials/credential-history.repository';
import { EventsService } from '../../../apps/vault/src/events/events.service';
import { DirectoryAlreadyInstalledError } from '../../../apps/vault/src/installations/installations.repository';
import { InstallationsService, type ConsentResult } from '../../../apps/vault/src/installations/installations.service';
import { aProject, anOfflineApp } from '@test/support/builders';
import { dumpText } from '@test/support/db-dump';
import { rejection } from '@test/support/rejection';
import { useTestVault } from '@test/support/test-vault';

const DIRECTORY = 'c0a70000-0000-4000-8000-000000000001';

describe(InstallationsService.name, () => {
  const vault = useTestVault();
  let installations: InstallationsService;
  let p1: string;
  let p2: string;
  let appId: string;

  const consent = (tenantId: string, overrides: Partial<ConsentResult> = {}): ConsentResult => ({
    projectId: p1,
    tenantId,
    appId,
    provider: 'microsoft-onedrive',
    directoryId: DIRECTORY,
    cloud: 'global',
    resourceKind: 'site',
    resourceDriveId: 'b!drive',
    resourceSiteId: 'contoso.sharepoint.com,1,2',
    resourceUser: null,
    resourceWebUrl: 'https://contoso.sharepoint.com/sites/Marketing',
    scopes: ['Files.ReadWrite.All'],
    consentedAt: new Date(vault.clock.nowMs),
    consentedBy: 'admin@contoso.com',
    expiresAt: new Date(vault.clock.nowMs + 3_600_000),
    refreshAt: new Date(vault.clock.nowMs + 3_000_000),
    accessToken: `app-only-token-canary-${tenantId}`,
    sessionId: null,
    exclusiveDirectory: false,
    ...overrides,
  });

  beforeAll(async () => {
    installations = vault.get(InstallationsService);
    p1 = (await aProject(vault, 'one')).projectId;
    p2 = (await aProject(vault, 'two')).projectId;
    appId = await anOfflineApp(vault, p1);
  });

  describe('upsertFromConsent', () => {
    it('creates the installation, keeps its token encrypted, records history and installation.created', async () => {
      const { installation, created } = await installations.upsertFromConsent(consent('org_one'));
      expect(created).toBe(true);
      expect(installation).toMatchObject({
        tenantExternalId: 'org_one',
        status: 'active',
        version: 0,
        directoryId: DIRECTORY,
      });
      expect((await installations.readTokens(installation))?.accessToken).toBe('app-only-token-canary-org_one');
      expect(await dumpText(vault.db)).not.toContain('app-only-token-canary');
      const history = await vault.get(CredentialHistoryRepository).list(p1, { installationId: installation.id });
      expect(history.map((h) => h.action)).toEqual(['created']);
      const events = await vault
        .get(EventsService)
        .list(p1, { limit: 50, tenantId: 'org_one', type: 'installation.created' });
      expect(events.data[0]?.payload).toMatchObject({ installationId: installation.id, directoryId: DIRECTORY });
    });

    it('re-authorizes in place: same id, version bumped, errors cleared, previous state in history', async () => {
      const first = (await installations.upsertFromConsent(consent('org_two'))).installation;
      await vault.db.query(`UPDATE installations SET status = 'needs_reauth', status_aadsts = 65001 WHERE id = $1`, [
        first.id,
      ]);
      vault.clock.advance(1000);
      const { installation, created } = await installations.upsertFromConsent(
        consent('org_two', {
          scopes: ['Files.Read.All'],
          accessToken: 'second-token',
          consentedBy: 'other-admin@contoso.com',
        }),
      );
      expect(created).toBe(false);
      expect(installation).toMatchObject({
        id: first.id,
        version: 1,
        status: 'active',
        statusAadsts: null,
        scopes: ['Files.Read.All'],
      });
      const history = await vault.get(CredentialHistoryRepository).list(p1, { installationId: first.id });
      expect(history.map((h) => h.action)).toEqual(['created', 'reauthorized']);
      expect(history[1]?.previous).toMatchObject({
        status: 'needs_reauth',
        consentedBy: 'admin@contoso.com',
        scopes: ['Files.ReadWrite.All'],
      });
      expect((await installations.readTokens(installation))?.accessToken).toBe('second-token');
    });
    it('settles two concurrent first consents of one tenant into one installation', async () => {
      const results = await Promise.all([
        installations.upsertFromConsent(consent('org_race', { accessToken: 'race-a' })),
        installations.upsertFromConsent(consent('org_race', { accessToken: 'race-b' })),
      ]);
      expect(results.map((r) => r.created).sort()).toEqual([false, true]);
      expect(new Set(results.map((r) => r.installation.id)).size).toBe(1);
      const orphans = await vault.db.query(
        `SELECT record_id FROM secrets WHERE record_type = 'installation' AND record_id NOT IN (SELECT id FROM installations)`,
      );
      expect(orphans).toEqual([]);
    });
  });

  describe('directory claims', () => {
    const OTHER_DIRECTORY = 'fab0a000-0000-4000-8000-000000000002';
    const exclusive = (tenantId: string, directoryId = OTHER_DIRECTORY) =>
      consent(tenantId, { directoryId, exclusiveDirectory: true, accessToken: `claim-${tenantId}` });

    it('refuses a second tenant in a claimed directory and leaves nothing of it behind', async () => {
      const first = (await installations.upsertFromConsent(exclusive('org_claim_a'))).installation;
      const refused = await installations.upsertFromConsent(exclusive('org_claim_b')).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(DirectoryAlreadyInstalledError);
      expect((await installations.list(p1, { limit: 10, tenantId: 'org_claim_b' })).data).toEqual([]);
      const claims = await vault.db.query<{ installation_id: string }>(
        `SELECT installation_id FROM directory_claims WHERE project_id = $1 AND directory_id = $2`,
        [p1, OTHER_DIRECTORY],
      );
      expect(claims.map((c) => c.installation_id)).toEqual([first.id]);
      const orphans = await vault.db.query(
        `SELECT record_id FROM secrets WHERE record_type = 'installation' AND record_id NOT IN (SELECT id FROM installations)`,
      );
      expect(orphans).toEqual([]);
    });

    it('lets the holder consent again, and frees the directory when its installation is deleted', async () => {
      const directory = 'd1000000-0000-4000-8000-000000000001';
      const first = (await installations.upsertFromConsent(exclusive('org_claim_c', directory))).installation;
      const again = await installations.upsertFromConsent(exclusive('org_claim_c', directory));
      expect(again).toMatchObject({ created: false, installation: { id: first.id } });
      await installations.delete(p1, first.id);
      const moved = await installations.upsertFromConsent(exclusive('org_claim_d', directory));
      expect(moved.created).toBe(true);
    });

    it('lets exactly one of two tenants racing for one directory win', async () => {
      const directory = 'd2000000-0000-4000-8000-000000000002';
      const results = await Promise.allSettled([
        installations.upsertFromConsent(exclusive('org_race_x', directory)),
        installations.upsertFromConsent(exclusive('org_race_y', directory)),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.find((r) => r.status === 'rejected');
      expect(rejected?.reason).toBeInstanceOf(DirectoryAlreadyInstalledError);
      const rows = await vault.db.query(`SELECT id FROM installations WHERE project_id = $1 AND directory_id = $2`, [
        p1,
        directory,
      ]);
      expect(rows).toHaveLength(1);
    });

    it('lets tenants share a directory when the install is not exclusive (the project allows it)', async () => {
      const directory = 'd3000000-0000-4000-8000-000000000003';
      await installations.upsertFromConsent(consent('org_share_a', { directoryId: directory }));
      const second = await installations.upsertFromConsent(consent('org_share_b', { directoryId: directory }));
      expect(second.created).toBe(true);
      expect(
        await installations.findInDirectoryForOtherTenant(
          p1,
          asTenantExternalId('org_share_b'),
          'microsoft-onedrive',
          directory,
        ),
      ).toMatchObject({ tenantExternalId: 'org_share_a' });
    });
  });

  describe('list', () => {
    it('filters by tenant and status and pages with a cursor', async () => {
      for (const t of ['org_p1', 'org_p2', 'org_p3']) await installations.upsertFromConsent(consent(t));
      const page1 = await installations.list(p1, { limit: 2 });
      const page2 = await installations.list(p1, { limit: 2, cursor: page1.nextCursor! });
      const all = await installations.list(p1, { limit: 100 });
      expect([...page1.data, ...page2.data].map((i) => i.id)).toEqual(all.data.slice(0, 4).map((i) => i.id));
      expect((await installations.list(p1, { limit: 10, tenantId: 'org_p2' })).data.map((i) => i.tenantId)).toEqual([
        'org_p2',
      ]);
      expect((await installations.list(p1, { limit: 10, status: 'revoked' })).data).toEqual([]);
      expect((await installations.list(p2, { limit: 10 })).data).toEqual([]);
    });

    it('never shows a token', async () => {
      const all = await installations.list(p1, { limit: 100 });
      expect(JSON.stringify(all)).not.toMatch(/canary|second-token/);
    });
  });

  describe('isolation', () => {
    it("answers another project's installation exactly like a missing one on get and delete", async () => {
      const { installation } = await installations.upsertFromConsent(consent('org_iso'));
      const foreign = await Promise.all(
        [installations.get(p2, installation.id), installations.delete(p2, installation.id)].map(rejection),
      );
      const missing = await Promise.all(
        [installations.get(p2, 'ins_missing'), installations.delete(p2, 'ins_missing')].map(rejection),
      );
      expect(foreign.map((e) => [e.status, e.toBody()])).toEqual(missing.map((e) => [e.status, e.toBody()]));
      expect(foreign[0]?.toBody().code).toBe('installation_not_found');
      expect((await installations.get(p1, installation.id)).id).toBe(installation.id);
    });
  });

  describe('delete', () => {
    it('removes the installation and its token, keeping a history entry', async () => {
      const { installation } = await installations.upsertFromConsent(consent('org_del'));
      await installations.delete(p1, installation.id);
      expect((await rejection(installations.get(p1, installation.id))).toBody().code).toBe('installation_not_found');
      expect(await vault.db.query(`SELECT 1 FROM secrets WHERE record_id = $1`, [installation.id])).toEqual([]);
      const history = await vault.get(CredentialHistoryRepository).list(p1, { installationId: installation.id });
      expect(history.map((h) => h.action)).toEqual(['created', 'deleted']);
    });
  });
});
