// Issue 10's fault through the real services: the emulator revokes a user's sessions, a refresh
// fails and the refresh service writes the status change; one issue opens (however often the
// problem is seen again), a correctly signed webhook reaches the receiver, getCredential refuses
// with the link; the user re-authorizes and the issue is resolved.
import { beforeAll, describe, expect, it } from 'vitest';
import { ConnectionsService } from '../../../apps/vault/src/connections/connections.service';
import { EventsService } from '../../../apps/vault/src/events/events.service';
import { RefreshService } from '../../../apps/vault/src/refresh/refresh.service';
import {
  aConnection,
  aLiveConnection,
  anApp,
  anAppBody,
  anEmulatorApp,
  aProject,
  bearer,
  HOUR_MS,
  type RegisteredApp,
  type TestProject,
} from '@test/support/builders';
import { SEED, useTestEmulator } from '@test/support/test-emulator';
import { useTestVault } from '@test/support/test-vault';
import { useWebhookReceiver, verifyWithStandardWebhooks } from '@test/support/webhook-receiver';
import { anEndpoint, catchUp, pump, statusChanged } from '@test/support/webhook-world';

describe('Issues', () => {
  const t = useTestEmulator();
  const receiver = useWebhookReceiver(() => t.clock);
  const vault = useTestVault(() => ({ emulator: t, env: receiver.env }));
  let project: TestProject;
  let registered: RegisteredApp;
  let appId: string;

  beforeAll(async () => {
    project = await aProject(vault, 'issues');
    registered = await anEmulatorApp(t);
    appId = await anApp(vault, project, anAppBody(t, registered));
  });

  const issues = async (query: string) =>
    (await vault.api().get(`/v1/issues?${query}`).set(bearer(project.key)).expect(200)).body.data as {
      id: string;
      kind: string;
      status: string;
      occurrences: number;
      subject: { kind: string; id: string };
      resolution: string | null;
    }[];

  const openGauge = async (kind: string): Promise<number> => {
    const text = (await vault.api().get('/metrics')).text;
    const line = text.split('\n').find((l) => l.startsWith(`authpipe_issues_open{kind="${kind}"}`));
    return Number(line?.split(' ')[1] ?? 0);
  };

  it('opens one issue when sessions are revoked, signs its webhook, and resolves it when the user signs in again', async () => {
    const endpoint = await anEndpoint(vault, project, { url: receiver.urlFor('issues') });
    const base = { projectId: project.projectId, appId, tenantId: 'org_issues' };
    const live = await aLiveConnection(vault, t, base, registered);
    vault.clock.advance(1000);
    t.emulator.store.revokeSignInSessions(SEED.contoso.tenantId, live.oid);
    vault.clock.advance(2 * HOUR_MS);

    // The refresh fails and the refresh service records the status change.
    const outcome = await vault.get(RefreshService).refresh({ kind: 'connection', ...base, id: live.id }, 'on_demand');
    expect(outcome).toMatchObject({ result: 'failed', failure: { aadsts: 50173 } });
    const status = (await vault.get(ConnectionsService).find(project.projectId, live.id)).status;
    expect(['needs_reauth', 'revoked']).toContain(status);
    // getCredential refuses, again and again; a health probe reports the same problem twice more.
    for (let i = 0; i < 3; i++) {
      const res = await vault
        .api()
        .get(`/v1/credentials/microsoft-onedrive?tenantId=org_issues&userId=${live.userId}&credentialFor=user`)
        .set(bearer(project.key));
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe(status);
    }
    await statusChanged(vault, project.projectId, live.id, status, { tenant: 'again' });
    await statusChanged(vault, project.projectId, live.id, status, { tenant: 'again' });
    await pump(vault);

    const open = await issues(`status=open&subjectId=${live.id}`);
    expect(open).toEqual([
      expect.objectContaining({ kind: status, subject: { kind: 'connection', id: live.id }, occurrences: 3 }),
    ]);
    expect(await issues(`status=open&tenantId=org_issues&kind=${status}`)).toHaveLength(1);
    expect(await openGauge(status)).toBeGreaterThanOrEqual(1);
    const signed = receiver.received
      .filter((r) => r.path === '/hooks/issues')
      .map((r) => verifyWithStandardWebhooks(r, endpoint.secret))
      .filter((m) => m.data.credentialId === live.id || m.data.connectionId === live.id);
    expect(signed.slice(0, 2)).toEqual([
      expect.objectContaining({ type: 'connection.created', data: expect.objectContaining({ sequence: 1 }) }),
      expect.objectContaining({
        type: 'credential.status_changed',
        data: expect.objectContaining({ credentialId: live.id, to: status, aadsts: 50173, sequence: 2 }),
      }),
    ]);

    // The user signs in again: the connection is re-authorized in place.
    await aConnection(vault, { ...base, userId: live.userId }, { oid: live.oid });
    await pump(vault);
    expect(await issues(`status=open&subjectId=${live.id}`)).toEqual([]);
    expect(await issues(`status=resolved&subjectId=${live.id}`)).toEqual([
      expect.objectContaining({ id: open[0].id, status: 'resolved', resolution: 'recovered' }),
    ]);
    const types = receiver.received
      .filter((r) => r.path === '/hooks/issues')
      .map((r) => verifyWithStandardWebhooks(r, endpoint.secret).type);
    // The re-authorization, then the recovery it is (both resolve the issue).
    expect(types.slice(-2)).toEqual(['connection.reauthorized', 'credential.recovered']);
  });

  it('opens one app issue for a bad app credential, none per credential it flags, and resolves it when a check passes', async () => {
    const events = vault.get(EventsService);
    const p = project.projectId;
    await events.append(p, null, 'app.misconfigured', {
      appId,
      aadsts: 7000222,
      error: 'invalid_client',
      source: 'refresh',
    });
    for (const id of ['con_m1', 'con_m2', 'con_m3']) await statusChanged(vault, p, id, 'misconfigured');
    await events.append(p, null, 'app.misconfigured', {
      appId,
      aadsts: 7000222,
      error: 'invalid_client',
      source: 'refresh',
    });
    await catchUp(vault);

    expect(await issues(`status=open&kind=app_misconfigured`)).toEqual([
      expect.objectContaining({ subject: { kind: 'app', id: appId }, occurrences: 2 }),
    ]);
    expect(await issues('status=open&subjectId=con_m1')).toEqual([]);

    await events.append(p, null, 'app.checked', { appId, ok: true, status: 'active', aadsts: null, error: null });
    await catchUp(vault);
    expect(await issues('status=open&kind=app_misconfigured')).toEqual([]);
  });

  it('shows a project only its own issues', async () => {
    const other = await aProject(vault, 'other');
    await statusChanged(vault, other.projectId, 'con_other', 'revoked');
    await catchUp(vault);
    expect(await issues('subjectId=con_other')).toEqual([]);
    const own = await vault.api().get('/v1/issues?subjectId=con_other').set(bearer(other.key));
    expect(own.body.data).toHaveLength(1);
  });
});
