import { beforeAll, describe, expect, it } from 'vitest';
import { LEASED_APP } from '../../../apps/vault/src/apps/apps.repository';
import { AppsService } from '../../../apps/vault/src/apps/apps.service';
import { InvalidationBus } from '../../../apps/vault/src/bus/invalidation-bus';
import { ConnectionsService } from '../../../apps/vault/src/connections/connections.service';
import { CredentialStateRepository } from '../../../apps/vault/src/credentials/credential-state.repository';
import { CredentialStateWriter } from '../../../apps/vault/src/credentials/credential-state-writer';
import { InstallationsService } from '../../../apps/vault/src/installations/installations.service';
import { RefreshService } from '../../../apps/vault/src/refresh/refresh.service';
import { FORCED_REFRESH_INTERVAL_MS, LEASE_MS, NEAR_EXPIRY_MS } from '../../../apps/vault/src/refresh/refresh-timing';
import {
  aConnection,
  aCredentialWorld,
  aLiveConnection as aLiveConnectionOf,
  anInstallation,
  HOUR_MS,
  type RegisteredApp,
  type TestProject,
} from '@test/support/builders';
import { SEED, useTestEmulator } from '@test/support/test-emulator';
import { createTestVault, useTestVault } from '@test/support/test-vault';
import { SecretsRepository } from '../../../apps/vault/src/secrets/secrets.repository';

const CONTOSO = SEED.contoso.tenantId;

describe(RefreshService.name, () => {
  const t = useTestEmulator();
  const vault = useTestVault(() => ({ emulator: t }));
  let project: TestProject;
  let registered: RegisteredApp;
  let appId: string;

  beforeAll(async () => {
    // Contoso's admin consent is granted by the test that needs it.
    ({ project, registered, appId } = await aCredentialWorld(vault, t, { adminConsent: false }));
  });

  /** A connection holding a refresh token Microsoft (the emulator) really issued, expiring in an hour. */
  async function aLiveConnection(tenantId = 'org_refresh'): Promise<string> {
    return (await aLiveConnectionOf(vault, t, { projectId: project.projectId, appId, tenantId }, registered)).id;
  }

  const ref = (id: string) => ({ kind: 'connection' as const, projectId: project.projectId, id });
  const connection = (id: string) => vault.get(ConnectionsService).find(project.projectId, id);
  const tokensOf = async (id: string) => vault.get(ConnectionsService).readTokens(await connection(id));

  describe('refresh', () => {
    it('leaves a token with time to spare alone, without calling Microsoft', async () => {
      const id = await aLiveConnection();
      const calls = t.tokenCalls('refresh_token');
      expect(await vault.get(RefreshService).refresh(ref(id), 'on_demand')).toEqual({ result: 'fresh' });
      expect(t.tokenCalls('refresh_token')).toBe(calls);
    });

    it('redeems a token near expiry and stores the rotated refresh token with the new access token', async () => {
      const id = await aLiveConnection();
      const before = await tokensOf(id);
      const row = await connection(id);
      vault.clock.advance(HOUR_MS - NEAR_EXPIRY_MS + 1000);

      const outcome = await vault.get(RefreshService).refresh(ref(id), 'on_demand');

      expect(outcome).toEqual({ result: 'refreshed', version: row.version + 1 });
      const after = await tokensOf(id);
      expect(after?.accessToken).not.toBe(before?.accessToken);
      expect(after?.refreshToken).not.toBe(before?.refreshToken);
      expect(after!.expiresAt.getTime()).toBeGreaterThan(vault.clock.nowMs + NEAR_EXPIRY_MS);
      const updated = await connection(id);
      expect(updated).toMatchObject({ status: 'active', failureCount: 0, version: row.version + 1 });
      expect(updated.expiresAt?.getTime()).toBe(after!.expiresAt.getTime());
      // The scheduler's next turn is at about 80% of the new lifetime.
      const lifetime = after!.expiresAt.getTime() - vault.clock.nowMs;
      expect(updated.refreshAt!.getTime() - vault.clock.nowMs).toBeGreaterThanOrEqual(lifetime * 0.75 - 1000);
      expect(updated.refreshAt!.getTime() - vault.clock.nowMs).toBeLessThanOrEqual(lifetime * 0.8 + 1000);
    });

    it('honours a forced refresh of a valid token at most once per interval', async () => {
      const id = await aLiveConnection();
      const calls = t.tokenCalls('refresh_token');
      // Just issued (the sign-in): a forced refresh now is answered with that token.
      expect(await vault.get(RefreshService).refresh(ref(id), 'forced')).toEqual({ result: 'fresh' });
      vault.clock.advance(FORCED_REFRESH_INTERVAL_MS);
      expect((await vault.get(RefreshService).refresh(ref(id), 'forced')).result).toBe('refreshed');
      expect(await vault.get(RefreshService).refresh(ref(id), 'forced')).toEqual({ result: 'fresh' });
      expect(t.tokenCalls('refresh_token')).toBe(calls + 1);
      expect((await connection(id)).lastRefreshedAt?.getTime()).toBe(vault.clock.nowMs);
    });

    it('makes one call to Microsoft for many concurrent callers in this process', async () => {
      const id = await aLiveConnection();
      vault.clock.advance(2 * HOUR_MS);
      const calls = t.tokenCalls('refresh_token');
      const outcomes = await Promise.all(
        Array.from({ length: 25 }, () => vault.get(RefreshService).refresh(ref(id), 'on_demand')),
      );
      expect(new Set(outcomes.map((o) => JSON.stringify(o))).size).toBe(1);
      expect(outcomes[0].result).toBe('refreshed');
      expect(t.tokenCalls('refresh_token')).toBe(calls + 1);
    });

    it('re-mints an installation with client credentials, keeping the roles it carries', async () => {
      t.emulator.store.grantAdminConsent({
        tenantId: CONTOSO,
        clientId: registered.clientId,
        roles: ['Files.ReadWrite.All', 'Sites.ReadWrite.All'],
        scopes: [],
        grantedBy: SEED.contoso.admin.id,
      });
      const id = await anInstallation(vault, { projectId: project.projectId, appId, tenantId: 'org_install' });
      vault.clock.advance(FORCED_REFRESH_INTERVAL_MS);
      const outcome = await vault
        .get(RefreshService)
        .refresh({ kind: 'installation', projectId: project.projectId, id }, 'forced');
      expect(outcome.result).toBe('refreshed');
      const installations = vault.get(InstallationsService);
      const row = await installations.find(project.projectId, id);
      const tokens = await installations.readTokens(row);
      expect(tokens?.accessToken.split('.')).toHaveLength(3);
      expect(tokens?.refreshToken).toBeNull();
      expect(row.scopes.sort()).toEqual(['Files.ReadWrite.All', 'Sites.ReadWrite.All']);
    });
  });

  describe('failures', () => {
    it('degrades on a Microsoft outage with backoff, never marks it dead, and recovers with an event', async () => {
      const id = await aLiveConnection('org_outage');
      vault.clock.advance(2 * HOUR_MS);
      await t.control('POST', '/faults', { kind: 'status', status: 503, pathPrefix: '/', count: 10 });
      const heard: unknown[] = [];
      const unsubscribe = vault.get(InvalidationBus).subscribe('credential.changed', (m) => heard.push(m));
      try {
        const failed = await vault.get(RefreshService).refresh(ref(id), 'on_demand');
        expect(failed).toMatchObject({ result: 'failed', status: 'degraded' });
      } finally {
        unsubscribe();
        await t.control('DELETE', '/faults');
      }
      const degraded = await connection(id);
      expect(degraded).toMatchObject({ status: 'degraded', failureCount: 1 });
      expect(heard).toContainEqual({
        type: 'credential.changed',
        projectId: project.projectId,
        kind: 'connection',
        id,
      });
      expect(degraded.refreshAt!.getTime()).toBeGreaterThan(vault.clock.nowMs);

      expect((await vault.get(RefreshService).refresh(ref(id), 'on_demand')).result).toBe('refreshed');
      expect(await connection(id)).toMatchObject({ status: 'active', failureCount: 0 });
      const events = await vault.db.prisma.event.findMany({
        where: { projectId: project.projectId, tenantExternalId: 'org_outage' },
        orderBy: { seq: 'asc' },
      });
      expect(events.map((e) => [e.type, (e.payload as { to?: string }).to ?? null])).toEqual(
        expect.arrayContaining([
          ['credential.status_changed', 'degraded'],
          ['credential.status_changed', 'active'],
          ['credential.recovered', null],
        ]),
      );
    });

    it('stops retrying a credential whose user must sign in again', async () => {
      const id = await aLiveConnection('org_revoked');
      const row = await connection(id);
      // Sessions revoked after the refresh token was issued (as an admin or a password reset does).
      vault.clock.advance(1000);
      t.emulator.store.revokeSignInSessions(CONTOSO, row.oid);
      vault.clock.advance(2 * HOUR_MS);
      const outcome = await vault.get(RefreshService).refresh(ref(id), 'on_demand');
      expect(outcome).toMatchObject({ result: 'failed', failure: { aadsts: 50173 } });
      const after = await connection(id);
      expect(after.status).not.toBe('degraded');
      expect(after).toMatchObject({ refreshAt: null, statusAadsts: 50173 });
    });
  });

  describe('replicas', () => {
    it("waits out another replica's lease, then refreshes once it has expired", async () => {
      const id = await aLiveConnection();
      vault.clock.advance(2 * HOUR_MS);
      const other = await createTestVault({ database: vault.db, clock: vault.clock, emulator: t, env: vault.env });
      try {
        const now = vault.clock.nowMs;
        await other
          .get(CredentialStateRepository)
          .lease(ref(id), 'another-replica', new Date(now), new Date(now + LEASE_MS));
        expect(await vault.get(RefreshService).refresh(ref(id), 'on_demand')).toEqual({ result: 'busy' });
        vault.clock.advance(LEASE_MS);
        expect((await vault.get(RefreshService).refresh(ref(id), 'on_demand')).result).toBe('refreshed');
      } finally {
        await other.close();
      }
    });
  });
});

describe(`${CredentialStateRepository.name}.leaseAndRead`, () => {
  const t = useTestEmulator();
  const vault = useTestVault(() => ({ emulator: t }));

  it('reads under the lease, in one statement, the record its repository reads and the sealed token set', async () => {
    const { project, appId } = await aCredentialWorld(vault, t, { adminConsent: false });
    const scope = { projectId: project.projectId, appId, tenantId: 'org_leased' };
    const connectionId = await aConnection(vault, { ...scope, userId: 'u1' });
    const installationId = await anInstallation(vault, scope);
    const state = vault.get(CredentialStateRepository);
    const now = vault.clock.nowMs;
    const lease = (kind: 'installation' | 'connection', id: string, owner: string) =>
      state.leaseAndRead(
        { kind, projectId: project.projectId, id },
        owner,
        new Date(now),
        new Date(now + LEASE_MS),
        LEASED_APP,
      );

    const connections = vault.get(ConnectionsService);
    const connection = await lease('connection', connectionId, 'this-replica');
    const stored = await connections.find(project.projectId, connectionId);
    expect(connection?.row).toEqual(stored);
    expect(await connections.openTokens(stored, connection!.tokenSet!)).toEqual(await connections.readTokens(stored));

    // The app and its credential come with it, as AppsService reads and opens them.
    const apps = vault.get(AppsService);
    expect(await apps.find(project.projectId, appId)).toMatchObject(connection!.app);
    const opened = await apps.openWithCredentials(connection!.app, connection!.appCredential);
    expect(opened.microsoft).toEqual((await apps.getWithCredentials(project.projectId, appId)).microsoft);

    const installation = await lease('installation', installationId, 'this-replica');
    expect(installation).toMatchObject({
      row: await vault.get(InstallationsService).find(project.projectId, installationId),
      tokenSet: null,
      app: connection!.app,
    });

    // Held by this replica: another replica gets nothing, this one may take it again.
    expect(await lease('connection', connectionId, 'another-replica')).toBeNull();
    expect((await lease('connection', connectionId, 'this-replica'))?.row.id).toBe(connectionId);
    // Another project's id for the same row reads nothing.
    expect(
      await state.leaseAndRead(
        { kind: 'connection', projectId: 'prj_other', id: connectionId },
        'this-replica',
        new Date(now),
        new Date(now + LEASE_MS),
        LEASED_APP,
      ),
    ).toBeNull();
  });
});

describe(CredentialStateWriter.name, () => {
  const t = useTestEmulator();
  const vault = useTestVault(() => ({ emulator: t }));

  it('lets exactly one of two writers with the same read version win; the loser stores nothing', async () => {
    const { project, appId } = await aCredentialWorld(vault, t, { adminConsent: false });
    const id = await aConnection(vault, { projectId: project.projectId, appId, tenantId: 'org_cas', userId: 'u1' });
    const connections = vault.get(ConnectionsService);
    const row = await connections.find(project.projectId, id);
    const tokens = (n: number) => ({
      accessToken: `access-${n}`,
      refreshToken: `refresh-${n}`,
      expiresAt: vault.clock.date(HOUR_MS),
      scopes: ['User.Read'],
    });
    const writer = vault.get(CredentialStateWriter);
    const next = { refreshAt: vault.clock.date(HOUR_MS / 2), keepAliveAt: null };
    const heard: unknown[] = [];
    const unsubscribe = vault.get(InvalidationBus).subscribe('credential.changed', (m) => heard.push(m));
    const results = await Promise.all([1, 2].map((n) => writer.refreshed('connection', row, tokens(n), next)));
    unsubscribe();
    expect(results.filter((r) => r === row.version + 1)).toHaveLength(1);
    expect(results.filter((r) => r === null)).toHaveLength(1);
    // Every replica hears of the one change that committed; the rolled-back one says nothing.
    expect(heard).toEqual([{ type: 'credential.changed', projectId: project.projectId, kind: 'connection', id }]);
    const winner = results[0] === null ? 2 : 1;
    expect(await connections.readTokens(await connections.find(project.projectId, id))).toMatchObject({
      accessToken: `access-${winner}`,
      refreshToken: `refresh-${winner}`,
    });
  });

  it('lets a re-authorization racing a refresh land on top of it', async () => {
    const { project, appId } = await aCredentialWorld(vault, t, { adminConsent: false });
    const base = { projectId: project.projectId, appId, tenantId: 'org_race', userId: 'u1' };
    const id = await aConnection(vault, base);
    const connections = vault.get(ConnectionsService);
    const read = await connections.find(project.projectId, id);
    const refresh = vault
      .get(CredentialStateWriter)
      .refreshed(
        'connection',
        read,
        { accessToken: 'refreshed', refreshToken: 'refreshed-rt', expiresAt: vault.clock.date(HOUR_MS), scopes: [] },
        { refreshAt: vault.clock.date(HOUR_MS / 2), keepAliveAt: null },
      );
    const reauthorize = aConnection(vault, base, { accessToken: 'reauthorized', refreshToken: 'reauthorized-rt' });
    await Promise.all([refresh, reauthorize]);
    expect(await connections.readTokens(await connections.find(project.projectId, id))).toMatchObject({
      accessToken: 'reauthorized',
      refreshToken: 'reauthorized-rt',
    });
  });
});

describe(`${CredentialStateRepository.name}.refreshedWithTokenSet`, () => {
  const t = useTestEmulator();
  const vault = useTestVault(() => ({ emulator: t }));

  it("writes nothing when the data key is gone or the place holds another owner's secret, and says which", async () => {
    const { project, appId } = await aCredentialWorld(vault, t, { adminConsent: false });
    const base = { projectId: project.projectId, appId, userId: 'u1' };
    const id = await aConnection(vault, { ...base, tenantId: 'org_guarded' });
    const otherTenant = await vault
      .get(ConnectionsService)
      .find(project.projectId, await aConnection(vault, { ...base, tenantId: 'org_elsewhere' }));
    const connections = vault.get(ConnectionsService);
    const row = await connections.find(project.projectId, id);
    const tokensBefore = await connections.readTokens(row);
    const [stored] = await vault.db.prisma.secret.findMany({ where: { recordId: id }, select: { dekVersion: true } });
    const state = {
      expiresAt: vault.clock.date(HOUR_MS),
      refreshAt: vault.clock.date(HOUR_MS / 2),
      keepAliveAt: null,
      scopes: [],
    };
    const write = (owner: { projectId: string; tenantId: string }, dekVersion: number) =>
      vault
        .get(CredentialStateRepository)
        .refreshedWithTokenSet(
          { kind: 'connection', projectId: project.projectId, id },
          row.version,
          state,
          vault.clock.date(0),
          vault
            .get(SecretsRepository)
            .upsertParts(
              owner,
              { recordType: 'connection', recordId: id, field: 'tokenSet' },
              Buffer.from('x'),
              dekVersion,
            ),
          null,
        );

    // A data-key version a rotation deleted: nothing written, and the statement says why.
    expect(await write({ projectId: project.projectId, tenantId: row.tenantRowId }, stored.dekVersion + 7)).toEqual({
      version: null,
      dataKey: false,
      scopeFree: true,
    });
    // The token set's place held by another tenant's owner (the data key exists): nothing written.
    expect(await write({ projectId: project.projectId, tenantId: otherTenant.tenantRowId }, 1)).toMatchObject({
      version: null,
      dataKey: true,
      scopeFree: false,
    });
    expect(await connections.find(project.projectId, id)).toEqual(row);
    expect(await connections.readTokens(row)).toEqual(tokensBefore);
  });
});
