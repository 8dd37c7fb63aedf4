// What a failed refresh records (the refresh issue's statuses and failure classes), driven through
// the emulator: revoked sessions and claims challenges (needs_reauth with a re-auth link that
// carries the claims), an expired app secret (the app marked once, every credential of it
// flagged, no retry, recovered by the fix), consent removed in one customer directory (only that
// installation).
import { describe, expect, it } from 'vitest';
import { ConnectionsService } from '../../../apps/vault/src/connections/connections.service';
import { InstallationsService } from '../../../apps/vault/src/installations/installations.service';
import { RefreshService } from '../../../apps/vault/src/refresh/refresh.service';
import { aCredentialWorld, aLiveConnection, anInstallation, bearer, HOUR_MS } from '@test/support/builders';
import { FlowBrowser } from '@test/support/flow-browser';
import { SEED, useTestEmulator } from '@test/support/test-emulator';
import { PUBLIC_URL, useTestVault } from '@test/support/test-vault';

const CONTOSO = SEED.contoso.tenantId;
const FABRIKAM = SEED.fabrikam.tenantId;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('refresh failure statuses', () => {
  const t = useTestEmulator();
  const vault = useTestVault(() => ({ emulator: t }));
  let tenants = 0;

  /** A project with its own emulator app (so marking one app misconfigured touches no other test). */
  const anAppSetup = () => aCredentialWorld(vault, t, { adminConsent: false });

  const aTenant = () => `org_status_${++tenants}`;
  const connectionRef = (projectId: string, id: string) => ({ kind: 'connection' as const, projectId, id });
  const installationRef = (projectId: string, id: string) => ({ kind: 'installation' as const, projectId, id });
  const connection = (projectId: string, id: string) => vault.get(ConnectionsService).find(projectId, id);
  const installation = (projectId: string, id: string) => vault.get(InstallationsService).find(projectId, id);
  const eventsOf = (projectId: string, type: string) =>
    vault.db.prisma.event.findMany({ where: { projectId, type }, orderBy: { seq: 'asc' } });

  describe('needs_reauth', () => {
    it("records revoked sessions as needs_reauth with Microsoft's ids, a remediation and a re-auth link", async () => {
      const { project, registered, appId } = await anAppSetup();
      const tenantId = aTenant();
      const { id, oid } = await aLiveConnection(
        vault,
        t,
        { projectId: project.projectId, appId, tenantId },
        registered,
      );
      vault.clock.advance(1000);
      t.emulator.store.revokeSignInSessions(CONTOSO, oid);
      vault.clock.advance(2 * HOUR_MS);

      const outcome = await vault.get(RefreshService).refresh(connectionRef(project.projectId, id), 'on_demand');

      expect(outcome).toMatchObject({ result: 'failed', status: 'needs_reauth', failure: { aadsts: 50173 } });
      const row = await connection(project.projectId, id);
      expect(row).toMatchObject({
        status: 'needs_reauth',
        statusAadsts: 50173,
        statusRemediation: expect.stringMatching(/connect again/),
        statusAction: 'reauthorize',
        statusActionUrl: expect.stringContaining(`${PUBLIC_URL}/connect/microsoft-onedrive?session=`),
        refreshAt: null,
      });
      expect(row.statusTraceId).toMatch(GUID);
      expect(row.statusCorrelationId).toMatch(GUID);
      const [changed] = await eventsOf(project.projectId, 'credential.status_changed');
      expect(changed.payload).toMatchObject({
        credentialId: id,
        from: 'active',
        to: 'needs_reauth',
        aadsts: 50173,
        traceId: row.statusTraceId,
        correlationId: row.statusCorrelationId,
        remediation: row.statusRemediation,
        action: 'reauthorize',
        actionUrl: row.statusActionUrl,
      });
      // A credential that cannot recover by itself is not tried again by the scheduler.
      expect((await vault.get(RefreshService).refresh(connectionRef(project.projectId, id), 'scheduled')).result).toBe(
        'fresh',
      );
    });

    it('keeps the claims of a claims challenge and sends them on the re-auth sign-in (cp1 declared)', async () => {
      const { project, registered, appId } = await anAppSetup();
      const tenantId = aTenant();
      const { id, oid, userId } = await aLiveConnection(
        vault,
        t,
        { projectId: project.projectId, appId, tenantId },
        registered,
      );
      const policy = await t.control<{ id: string }>('POST', '/conditional-access/policies', {
        tenantId: CONTOSO,
        users: [oid],
        control: { kind: 'claimsChallenge' },
      });
      try {
        vault.clock.advance(2 * HOUR_MS);
        const outcome = await vault.get(RefreshService).refresh(connectionRef(project.projectId, id), 'on_demand');
        expect(outcome).toMatchObject({ result: 'failed', status: 'needs_reauth', failure: { aadsts: 50076 } });
        const row = await connection(project.projectId, id);
        // Only a client declaring cp1 receives the claims: msal-node declares it for the vault.
        expect(JSON.parse(row.statusClaims ?? '{}')).toMatchObject({
          access_token: { polids: { essential: true, Values: [policy.id] } },
        });

        // getCredential's link starts a sign-in whose authorize request carries those claims.
        const refused = await vault
          .api()
          .get('/v1/credentials/microsoft-onedrive')
          .query({ tenantId, userId, credentialFor: 'user' })
          .set(bearer(project.key))
          .expect(409);
        expect(refused.body.error).toMatchObject({ code: 'needs_reauth', details: { aadsts: 50076 } });
        const link = new URL(refused.body.error.details.action.url as string);
        // The link opens the start page; its Continue link (in the same browser) goes to Microsoft.
        const browser = new FlowBrowser(vault, t);
        const started = await browser.continue(await browser.open(`${link.pathname}${link.search}`));
        expect(started.status, started.text).toBe(302);
        const authorize = new URL(started.headers.location);
        const claims = JSON.parse(authorize.searchParams.get('claims') ?? '{}') as {
          access_token?: { polids?: { values?: string[]; Values?: string[] }; xms_cc?: { values: string[] } };
        };
        expect(claims.access_token?.xms_cc?.values).toContain('cp1');
        expect(JSON.stringify(claims.access_token?.polids)).toContain(policy.id);
      } finally {
        await t.control('DELETE', `/conditional-access/policies/${policy.id}`);
      }
    });
  });

  describe('misconfigured app', () => {
    it('marks the app once, flags all its credentials without retrying them, and recovers them when fixed', async () => {
      const { project, registered, appId } = await anAppSetup();
      t.emulator.store.grantAdminConsent({
        tenantId: CONTOSO,
        clientId: registered.clientId,
        roles: ['Files.ReadWrite.All'],
        scopes: [],
        grantedBy: SEED.contoso.admin.id,
      });
      const base = { projectId: project.projectId, appId };
      const installationId = await anInstallation(vault, { ...base, tenantId: aTenant() });
      const users = [
        await aLiveConnection(vault, t, { ...base, tenantId: aTenant() }, registered),
        await aLiveConnection(vault, t, { ...base, tenantId: aTenant() }, registered),
      ];
      await t.control('POST', `/apps/${registered.clientId}/secrets/${registered.secretId}/expire`);
      vault.clock.advance(2 * HOUR_MS);
      const refresh = vault.get(RefreshService);

      const first = await refresh.refresh(installationRef(project.projectId, installationId), 'on_demand');
      expect(first).toMatchObject({ result: 'failed', status: 'misconfigured', failure: { aadsts: 7000222 } });

      const app = await vault.db.prisma.providerApp.findUniqueOrThrow({ where: { id: appId } });
      expect(app).toMatchObject({ status: 'misconfigured', statusAadsts: 7000222 });
      for (const { id } of users) {
        expect(await connection(project.projectId, id)).toMatchObject({
          status: 'misconfigured',
          statusAadsts: 7000222,
          statusAction: 'fix_app',
          statusActionUrl: `${PUBLIC_URL}/v1/apps/${appId}`,
          refreshAt: null,
        });
      }
      expect(await installation(project.projectId, installationId)).toMatchObject({
        status: 'misconfigured',
        statusAction: 'fix_app',
        refreshAt: null,
      });
      // One alert for the app, not one per credential.
      const alerts = await eventsOf(project.projectId, 'app.misconfigured');
      expect(alerts.map((e) => e.payload)).toEqual([
        expect.objectContaining({ appId, aadsts: 7000222, credentialsFlagged: 2, source: 'refresh' }),
      ]);
      expect(await eventsOf(project.projectId, 'credential.status_changed')).toHaveLength(1);

      // No retry loop: nothing reaches Microsoft's token endpoint for these credentials now.
      const calls = t.tokenCalls('refresh_token') + t.tokenCalls('client_credentials');
      for (const { id } of users) {
        expect(await refresh.refresh(connectionRef(project.projectId, id), 'scheduled')).toEqual({ result: 'blocked' });
      }
      expect(t.tokenCalls('refresh_token') + t.tokenCalls('client_credentials')).toBe(calls);

      // The developers put a new secret on the app: every flagged credential is due and recovers.
      const fresh = await t.control<{ value: string }>('POST', `/apps/${registered.clientId}/secrets`, {});
      await vault
        .api()
        .patch(`/v1/apps/${appId}`)
        .set(bearer(project.key))
        .send({ credential: { type: 'secret', secret: fresh.value } })
        .expect(200);
      const due = await connection(project.projectId, users[0].id);
      expect(due.refreshAt?.getTime()).toBe(vault.clock.nowMs);
      for (const { id } of users) {
        expect((await refresh.refresh(connectionRef(project.projectId, id), 'scheduled')).result).toBe('refreshed');
        expect(await connection(project.projectId, id)).toMatchObject({ status: 'active', statusAction: null });
      }
      expect((await refresh.refresh(installationRef(project.projectId, installationId), 'scheduled')).result).toBe(
        'refreshed',
      );
      expect(await eventsOf(project.projectId, 'credential.recovered')).toHaveLength(3);
    });
  });

  describe('revoked', () => {
    it('revokes only the installation of the directory whose admin consent was removed, not the app', async () => {
      const { project, registered, appId } = await anAppSetup();
      for (const [tenantId, admin] of [
        [CONTOSO, SEED.contoso.admin.id],
        [FABRIKAM, SEED.fabrikam.admin.id],
      ]) {
        t.emulator.store.grantAdminConsent({
          tenantId,
          clientId: registered.clientId,
          roles: ['Files.ReadWrite.All'],
          scopes: [],
          grantedBy: admin,
        });
      }
      const base = { projectId: project.projectId, appId };
      const contoso = await anInstallation(vault, { ...base, tenantId: aTenant() });
      const fabrikam = await anInstallation(vault, { ...base, tenantId: aTenant() }, { directoryId: FABRIKAM });
      await t.control('DELETE', `/consents/admin/${FABRIKAM}/${registered.clientId}`);
      vault.clock.advance(2 * HOUR_MS);
      const refresh = vault.get(RefreshService);

      const lost = await refresh.refresh(installationRef(project.projectId, fabrikam), 'on_demand');
      const kept = await refresh.refresh(installationRef(project.projectId, contoso), 'on_demand');

      expect(lost).toMatchObject({ result: 'failed', status: 'revoked' });
      expect(kept.result).toBe('refreshed');
      expect(await installation(project.projectId, fabrikam)).toMatchObject({
        status: 'revoked',
        statusAction: 'reconsent',
        statusActionUrl: expect.stringContaining('/connect/microsoft-onedrive?session='),
        refreshAt: null,
      });
      expect(await installation(project.projectId, contoso)).toMatchObject({ status: 'active' });
      const app = await vault.db.prisma.providerApp.findUniqueOrThrow({ where: { id: appId } });
      expect(app.status).not.toBe('misconfigured');
      expect(await eventsOf(project.projectId, 'app.misconfigured')).toEqual([]);
    });
  });
});
