// Health probes (refresh issue, step 4) driven through the emulator's control API: Graph refusing
// a good token, or no longer finding an installation's drive (404 itemNotFound), marks the
// credential `access_lost` once (one issue) and a later good probe brings it back; an expired token is refreshed before the probe, never flagged; a transient Graph
// failure flips nothing; admin consent removed in a directory makes its users' connections due
// for a probe instead of marking them; revoked sessions found by a probe end in `needs_reauth`
// with one issue, and the user's re-authorization recovers it.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConnectionsService } from '../../../apps/vault/src/connections/connections.service';
import { InstallationsService } from '../../../apps/vault/src/installations/installations.service';
import { HealthProbeJob } from '../../../apps/vault/src/refresh/health-probe.job';
import { HealthProbeService } from '../../../apps/vault/src/refresh/health-probe.service';
import { RefreshService } from '../../../apps/vault/src/refresh/refresh.service';
import { PROBE_RETRY_MS } from '../../../apps/vault/src/refresh/refresh-timing';
import {
  aConnection,
  aLiveConnection,
  anApp,
  anAppBody,
  anEmulatorApp,
  anInstallation,
  aProject,
  bearer,
  HOUR_MS,
  type RegisteredApp,
  type TestProject,
} from '@test/support/builders';
import { FlowBrowser, popupData } from '@test/support/flow-browser';
import { SEED, useTestEmulator } from '@test/support/test-emulator';
import { PUBLIC_URL, useTestVault } from '@test/support/test-vault';
import { catchUp } from '@test/support/webhook-world';

const CONTOSO = SEED.contoso.tenantId;
const FABRIKAM = SEED.fabrikam.tenantId;
const MARKETING_DRIVE = SEED.contoso.marketingSite.driveId;
const DAY_MS = 24 * HOUR_MS;

describe('health probes', () => {
  const t = useTestEmulator();
  const vault = useTestVault(() => ({ emulator: t }));
  let tenants = 0;

  async function anAppSetup(): Promise<{ project: TestProject; registered: RegisteredApp; appId: string }> {
    const project = await aProject(vault);
    const registered = await anEmulatorApp(t);
    const appId = await anApp(vault, project, anAppBody(t, registered));
    return { project, registered, appId };
  }

  const consent = (tenantId: string, clientId: string, admin: string) =>
    t.emulator.store.grantAdminConsent({
      tenantId,
      clientId,
      roles: ['Files.ReadWrite.All'],
      scopes: [],
      grantedBy: admin,
    });
  const aTenant = () => `org_probe_${++tenants}`;
  const connectionRef = (projectId: string, id: string) => ({ kind: 'connection' as const, projectId, id });
  const installationRef = (projectId: string, id: string) => ({ kind: 'installation' as const, projectId, id });
  const connection = (projectId: string, id: string) => vault.get(ConnectionsService).find(projectId, id);
  const installation = (projectId: string, id: string) => vault.get(InstallationsService).find(projectId, id);
  const probe = (ref: { kind: 'installation' | 'connection'; projectId: string; id: string }) =>
    vault.get(HealthProbeService).probe(ref);
  const eventsOf = (projectId: string, type: string) =>
    vault.db.prisma.event.findMany({ where: { projectId, type }, orderBy: { seq: 'asc' } });
  const issuesOf = async (project: TestProject, query: string) =>
    (await vault.api().get(`/v1/issues?${query}`).set(bearer(project.key)).expect(200)).body.data as {
      id: string;
      kind: string;
      status: string;
      occurrences: number;
      resolution: string | null;
    }[];
  const graphRequests = async (path: string) =>
    (await t.control<{ value: { path: string; status: number | null }[] }>('GET', '/requests')).value.filter((r) =>
      r.path.endsWith(path),
    );

  /**
   * Exactly one status change of `id` to access_lost (with Graph's `error`, the reconsent action
   * and its link) and one open issue for it, however often it was probed: the issue's id.
   */
  async function expectLostOnce(project: TestProject, id: string, error: string, actionUrl: string | null) {
    expect((await eventsOf(project.projectId, 'credential.status_changed')).map((e) => e.payload)).toEqual([
      expect.objectContaining({
        credentialId: id,
        from: 'active',
        to: 'access_lost',
        error,
        action: 'reconsent',
        actionUrl,
      }),
    ]);
    await catchUp(vault);
    const open = await issuesOf(project, `status=open&subjectId=${id}`);
    expect(open).toEqual([expect.objectContaining({ kind: 'access_lost', occurrences: 1 })]);
    return open[0].id;
  }

  /** The installation recovered from access_lost: one credential.recovered, its issue resolved. */
  async function expectInstallationRecovered(project: TestProject, id: string, issueId: string) {
    expect((await eventsOf(project.projectId, 'credential.recovered')).map((e) => e.payload)).toEqual([
      { credentialId: id, kind: 'installation', from: 'access_lost' },
    ]);
    await catchUp(vault);
    expect(await issuesOf(project, `status=open&subjectId=${id}`)).toEqual([]);
    expect(await issuesOf(project, `status=resolved&subjectId=${id}`)).toEqual([
      expect.objectContaining({ id: issueId, resolution: 'recovered' }),
    ]);
  }

  /** A user of the Fabrikam directory who consented to the app, connected in `base`'s tenant. */
  async function aFabrikamConnection(
    base: { projectId: string; appId: string; tenantId: string },
    registered: RegisteredApp,
  ): Promise<{ id: string }> {
    const seeded = await t.control<{ userIds: string[]; refreshTokens: string[] }>('POST', '/bulk/users', {
      tenantId: FABRIKAM,
      count: 1,
      upnPrefix: `probe-${randomUUID().slice(0, 8)}-`,
      grant: {
        clientId: registered.clientId,
        scopes: ['offline_access', 'openid', 'profile', 'User.Read', 'Files.ReadWrite.All'],
      },
    });
    const id = await aConnection(
      vault,
      { ...base, userId: `user_fab_${seeded.userIds[0].slice(0, 8)}` },
      { oid: seeded.userIds[0], tid: FABRIKAM, refreshToken: seeded.refreshTokens[0], accessToken: 'placeholder' },
    );
    return { id };
  }

  it('marks an installation access_lost when Graph refuses its drive (one issue), and recovers it when Graph answers again', async () => {
    const { project, registered, appId } = await anAppSetup();
    consent(CONTOSO, registered.clientId, SEED.contoso.admin.id);
    const tenantId = aTenant();
    const id = await anInstallation(vault, { projectId: project.projectId, appId, tenantId });
    const ref = installationRef(project.projectId, id);
    vault.clock.advance(2 * HOUR_MS);
    // The stored token expired: the probe re-mints it first and Graph answers.
    expect(await probe(ref)).toBe('ok');

    const denial = await t.control<{ id: string }>('POST', '/graph/access-denials', {
      tenantId: CONTOSO,
      clientId: registered.clientId,
      driveId: MARKETING_DRIVE,
      status: 403,
    });
    vault.clock.advance(60_000);
    expect(await probe(ref)).toBe('access_lost');
    const lost = await installation(project.projectId, id);
    expect(lost).toMatchObject({
      status: 'access_lost',
      statusAadsts: null,
      statusError: 'accessDenied',
      statusRemediation: expect.stringMatching(/install again/),
      statusAction: 'reconsent',
      statusActionUrl: expect.stringContaining(`${PUBLIC_URL}/connect/microsoft-onedrive?session=`),
    });
    // Refreshes go on: the tokens work, only Graph refuses the drive.
    expect(lost.refreshAt).not.toBeNull();
    // Refused again: still one status change, one issue.
    vault.clock.advance(60_000);
    expect(await probe(ref)).toBe('access_lost');
    const issueId = await expectLostOnce(project, id, 'accessDenied', lost.statusActionUrl);

    await t.control('DELETE', `/graph/access-denials/${denial.id}`);
    vault.clock.advance(60_000);
    expect(await probe(ref)).toBe('recovered');
    expect(await installation(project.projectId, id)).toMatchObject({
      status: 'active',
      statusError: null,
      statusAction: null,
    });
    await expectInstallationRecovered(project, id, issueId);

    const metrics = (await vault.api().get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/authpipe_health_probes_total\{result="access_lost",kind="installation"\} [2-9]/);
    expect(metrics).toMatch(/authpipe_health_probes_total\{result="recovered",kind="installation"\} [1-9]/);
  });

  it('marks an installation access_lost when Graph no longer finds its drive (404 itemNotFound) once, with the code and request id, and recovers it when the drive is back', async () => {
    const { project, registered, appId } = await anAppSetup();
    consent(CONTOSO, registered.clientId, SEED.contoso.admin.id);
    const id = await anInstallation(vault, { projectId: project.projectId, appId, tenantId: aTenant() });
    const ref = installationRef(project.projectId, id);
    vault.clock.advance(2 * HOUR_MS);
    expect(await probe(ref)).toBe('ok');

    // The drive is deleted (or hidden from the app): Graph answers 404 itemNotFound to a good token.
    const gone = await t.control<{ id: string }>('POST', '/graph/access-denials', {
      tenantId: CONTOSO,
      clientId: registered.clientId,
      driveId: MARKETING_DRIVE,
      status: 404,
    });
    await t.control('DELETE', '/requests');
    vault.clock.advance(60_000);
    expect(await probe(ref)).toBe('access_lost');
    const [answered] = (
      await t.control<{ value: { path: string; status: number | null; requestId: string | null }[] }>(
        'GET',
        '/requests',
      )
    ).value.filter((r) => r.path.endsWith(`/drives/${MARKETING_DRIVE}`));
    expect(answered).toMatchObject({ status: 404, requestId: expect.any(String) });
    const lost = await installation(project.projectId, id);
    expect(lost).toMatchObject({
      status: 'access_lost',
      statusAadsts: null,
      statusError: 'itemNotFound',
      statusCorrelationId: answered.requestId,
      statusRemediation: expect.stringMatching(/no longer finds the drive or site .* restore it, or to install again/),
      statusAction: 'reconsent',
      statusActionUrl: expect.stringContaining(`${PUBLIC_URL}/connect/microsoft-onedrive?session=`),
    });
    expect(lost.refreshAt).not.toBeNull();
    // Not found again: still one status change, one issue.
    vault.clock.advance(60_000);
    expect(await probe(ref)).toBe('access_lost');
    const issueId = await expectLostOnce(project, id, 'itemNotFound', lost.statusActionUrl);

    // The admin restores the drive: the next probe recovers the installation and resolves the issue.
    await t.control('DELETE', `/graph/access-denials/${gone.id}`);
    vault.clock.advance(60_000);
    expect(await probe(ref)).toBe('recovered');
    expect(await installation(project.projectId, id)).toMatchObject({
      status: 'active',
      statusError: null,
      statusCorrelationId: null,
      statusAction: null,
    });
    await expectInstallationRecovered(project, id, issueId);
  });

  it("marks a user's connection access_lost when Graph refuses the user's freshly refreshed token (401)", async () => {
    const { project, registered, appId } = await anAppSetup();
    const tenantId = aTenant();
    const live = await aLiveConnection(vault, t, { projectId: project.projectId, appId, tenantId }, registered);
    const denial = await t.control<{ id: string }>('POST', '/graph/access-denials', {
      tenantId: CONTOSO,
      userId: live.oid,
      status: 401,
    });
    try {
      vault.clock.advance(2 * HOUR_MS);
      const refreshes = t.tokenCalls('refresh_token');
      expect(await probe(connectionRef(project.projectId, live.id))).toBe('access_lost');
      // The token was refreshed for the probe (it had expired): Graph refused a good token.
      expect(t.tokenCalls('refresh_token')).toBe(refreshes + 1);
      expect(await connection(project.projectId, live.id)).toMatchObject({
        status: 'access_lost',
        statusError: 'InvalidAuthenticationToken',
        statusRemediation: expect.stringMatching(/connect again/),
        statusAction: 'reauthorize',
        statusActionUrl: expect.stringContaining(`${PUBLIC_URL}/connect/microsoft-onedrive?session=`),
      });
      const refused = await vault
        .api()
        .get('/v1/credentials/microsoft-onedrive')
        .query({ tenantId, userId: live.userId, credentialFor: 'user' })
        .set(bearer(project.key))
        .expect(409);
      expect(refused.body.error.code).toBe('access_lost');
    } finally {
      await t.control('DELETE', `/graph/access-denials/${denial.id}`);
    }
    // Graph accepts the user again: the next probe recovers the connection.
    vault.clock.advance(60_000);
    expect(await probe(connectionRef(project.projectId, live.id))).toBe('recovered');
    expect((await connection(project.projectId, live.id)).status).toBe('active');
  });

  it('refreshes an expired token before probing instead of flagging it', async () => {
    const { project, registered, appId } = await anAppSetup();
    const live = await aLiveConnection(
      vault,
      t,
      { projectId: project.projectId, appId, tenantId: aTenant() },
      registered,
    );
    // Two days later the stored access token is long expired (and Graph would refuse it).
    vault.clock.advance(2 * DAY_MS);
    await t.control('DELETE', '/requests');
    const refreshes = t.tokenCalls('refresh_token');

    expect(await probe(connectionRef(project.projectId, live.id))).toBe('ok');

    expect(t.tokenCalls('refresh_token')).toBe(refreshes + 1);
    // One call to /me, answered: the expired token never reached Graph.
    expect((await graphRequests('/me')).map((r) => r.status)).toEqual([200]);
    const row = await connection(project.projectId, live.id);
    expect(row.status).toBe('active');
    expect(await eventsOf(project.projectId, 'credential.status_changed')).toEqual([]);
  });

  it('changes nothing when Graph answers 503 (and only degrades when the refresh before it meets 503), and probes again soon', async () => {
    const { project, registered, appId } = await anAppSetup();
    const live = await aLiveConnection(
      vault,
      t,
      { projectId: project.projectId, appId, tenantId: aTenant() },
      registered,
    );
    vault.clock.advance(2 * HOUR_MS);
    await t.control('POST', '/faults', { kind: 'status', status: 503, pathPrefix: '/v1.0/me', count: 2 });
    try {
      const ref = connectionRef(project.projectId, live.id);
      expect(await probe(ref)).toBe('transient');
      const row = await vault.db.prisma.connection.findUniqueOrThrow({ where: { id: live.id } });
      expect(row).toMatchObject({ status: 'active', statusError: null });
      expect(row.probeAt?.getTime()).toBe(vault.clock.nowMs + PROBE_RETRY_MS);
      expect(await probe(ref)).toBe('transient');
      expect(await eventsOf(project.projectId, 'credential.status_changed')).toEqual([]);
      // The outage over, the next probe passes.
      expect(await probe(ref)).toBe('ok');

      // Microsoft down when the token needs refreshing before a probe: the refresh degrades the
      // connection as it does (retried with backoff), the probe marks nothing and comes back soon.
      vault.clock.advance(2 * HOUR_MS);
      await t.control('POST', '/faults', { kind: 'status', status: 503, pathPrefix: '/', fraction: 1 });
      expect(await probe(ref)).toBe('transient');
      const degraded = await vault.db.prisma.connection.findUniqueOrThrow({ where: { id: live.id } });
      expect(degraded).toMatchObject({ status: 'degraded', statusAction: null });
      expect(degraded.probeAt?.getTime()).toBe(vault.clock.nowMs + PROBE_RETRY_MS);
      await t.control('DELETE', '/faults');
      vault.clock.advance(PROBE_RETRY_MS);
      // A degraded credential is the refresh's to bring back, not the probe's to judge.
      expect(await probe(ref)).toBe('skipped');
      expect((await vault.get(RefreshService).refresh(ref, 'scheduled')).result).toBe('refreshed');
      expect((await connection(project.projectId, live.id)).status).toBe('active');
      expect(await probe(ref)).toBe('ok');
    } finally {
      await t.control('DELETE', '/faults');
    }
  });

  it("probes (rather than marks) the users' connections of an installation whose admin consent was removed", async () => {
    const { project, registered, appId } = await anAppSetup();
    consent(CONTOSO, registered.clientId, SEED.contoso.admin.id);
    consent(FABRIKAM, registered.clientId, SEED.fabrikam.admin.id);
    const base = { projectId: project.projectId, appId };
    const lostTenant = aTenant();
    const keptTenant = aTenant();
    const lostInstallation = await anInstallation(vault, { ...base, tenantId: lostTenant }, { directoryId: FABRIKAM });
    await anInstallation(vault, { ...base, tenantId: keptTenant });
    const user = await aFabrikamConnection({ ...base, tenantId: lostTenant }, registered);
    const other = await aLiveConnection(vault, t, { ...base, tenantId: keptTenant }, registered);
    // Both connections were probed and have their next probe half a day ahead.
    const otherProbeAt = new Date(vault.clock.nowMs + 12 * HOUR_MS);
    await vault.db.prisma.connection.updateMany({
      where: { id: { in: [user.id, other.id] } },
      data: { probeAt: otherProbeAt },
    });
    const job = vault.get(HealthProbeJob);

    await t.control('DELETE', `/consents/admin/${FABRIKAM}/${registered.clientId}`);
    vault.clock.advance(2 * HOUR_MS);
    const outcome = await vault
      .get(RefreshService)
      .refresh(installationRef(project.projectId, lostInstallation), 'on_demand');
    expect(outcome).toMatchObject({ result: 'failed', status: 'revoked' });

    // Same unit of work: the user's connection is due for a probe now, and not marked.
    const due = await vault.db.prisma.connection.findUniqueOrThrow({ where: { id: user.id } });
    expect(due).toMatchObject({ status: 'active', lastProbedAt: null });
    expect(due.probeAt?.getTime()).toBe(vault.clock.nowMs);
    expect((await vault.db.prisma.connection.findUniqueOrThrow({ where: { id: other.id } })).probeAt).toEqual(
      otherProbeAt,
    );

    await job.run();
    // The user's delegated consent survived the admin's: the probe passes and nothing is marked.
    const probed = await vault.db.prisma.connection.findUniqueOrThrow({ where: { id: user.id } });
    expect(probed).toMatchObject({ status: 'active' });
    expect(probed.lastProbedAt?.getTime()).toBe(vault.clock.nowMs);
    expect((await vault.db.prisma.connection.findUniqueOrThrow({ where: { id: other.id } })).lastProbedAt).toBeNull();
    const changes = await eventsOf(project.projectId, 'credential.status_changed');
    expect(changes.map((e) => (e.payload as { credentialId: string }).credentialId)).toEqual([lostInstallation]);
  });

  it('finds revoked sessions in one probe: needs_reauth, one issue, a re-auth link; re-auth recovers and resolves it', async () => {
    const { project, registered, appId } = await anAppSetup();
    const tenantId = aTenant();
    const base = { projectId: project.projectId, appId, tenantId };
    const live = await aLiveConnection(vault, t, base, registered);
    const ref = connectionRef(project.projectId, live.id);
    vault.clock.advance(2 * HOUR_MS);
    expect(await probe(ref)).toBe('ok');
    vault.clock.advance(1000);
    t.emulator.store.revokeSignInSessions(CONTOSO, live.oid);
    vault.clock.advance(60_000);

    // Graph refuses the (unexpired) token; the forced refresh meets AADSTS50173.
    expect(await probe(ref)).toBe('refresh_failed');
    expect(await connection(project.projectId, live.id)).toMatchObject({
      status: 'needs_reauth',
      statusAadsts: 50173,
      statusAction: 'reauthorize',
    });
    // A blocked credential is not probed again; the one status change is the one issue.
    expect(await probe(ref)).toBe('skipped');
    await catchUp(vault);
    const open = await issuesOf(project, `status=open&subjectId=${live.id}`);
    expect(open).toEqual([expect.objectContaining({ kind: 'needs_reauth', occurrences: 1 })]);
    const refused = await vault
      .api()
      .get('/v1/credentials/microsoft-onedrive')
      .query({ tenantId, userId: live.userId, credentialFor: 'user' })
      .set(bearer(project.key))
      .expect(409);
    expect(refused.body.error).toMatchObject({
      code: 'needs_reauth',
      details: {
        action: { type: 'reauthorize', url: expect.stringContaining('/connect/microsoft-onedrive?session=') },
      },
    });

    // The user opens the link and signs in again through the connect flow: recovered, issue resolved.
    const link = new URL(refused.body.error.details.action.url as string);
    const browser = new FlowBrowser(vault, t);
    const started = await browser.continue(await browser.open(`${link.pathname}${link.search}`));
    expect(started.status, started.text).toBe(302);
    const upn = t.emulator.store.findUser(CONTOSO, live.oid)?.userPrincipalName;
    if (upn === undefined) throw new Error('the live user is not in the emulator directory');
    const reply = await browser.callback('/oauth/callback', await browser.signIn(started.headers.location, upn));
    expect(popupData(reply.text).result.status).toBe('success');
    expect(await connection(project.projectId, live.id)).toMatchObject({ status: 'active', statusAction: null });
    expect((await eventsOf(project.projectId, 'credential.recovered')).map((e) => e.payload)).toEqual([
      { credentialId: live.id, kind: 'connection', from: 'needs_reauth' },
    ]);
    expect(await eventsOf(project.projectId, 'connection.reauthorized')).toHaveLength(1);
    await catchUp(vault);
    expect(await issuesOf(project, `status=open&subjectId=${live.id}`)).toEqual([]);
    expect(await issuesOf(project, `status=resolved&subjectId=${live.id}`)).toEqual([
      expect.objectContaining({ id: open[0].id, resolution: 'recovered' }),
    ]);
  });

  it('spreads first probes over the interval and probes each credential again about an interval later', async () => {
    const { project, registered, appId } = await anAppSetup();
    const live = await aLiveConnection(
      vault,
      t,
      { projectId: project.projectId, appId, tenantId: aTenant() },
      registered,
    );
    const job = vault.get(HealthProbeJob);
    const start = vault.clock.nowMs;
    expect((await job.run()).scheduled).toBeGreaterThanOrEqual(1);
    const first = (await vault.db.prisma.connection.findUniqueOrThrow({ where: { id: live.id } })).probeAt!;
    expect(first.getTime()).toBeGreaterThanOrEqual(start);
    expect(first.getTime()).toBeLessThanOrEqual(start + DAY_MS);

    vault.clock.advance(first.getTime() - start + 1000);
    await job.run();
    const row = await vault.db.prisma.connection.findUniqueOrThrow({ where: { id: live.id } });
    expect(row.lastProbedAt?.getTime()).toBe(vault.clock.nowMs);
    expect(row.status).toBe('active');
    expect(row.probeAt!.getTime()).toBeGreaterThanOrEqual(vault.clock.nowMs + 0.9 * DAY_MS);
    expect(row.probeAt!.getTime()).toBeLessThanOrEqual(vault.clock.nowMs + 1.1 * DAY_MS);
  });
});
