// The event catalog of @authpipe/contract is what webhook consumers and the SDK read payloads
// with: every event the vault writes through a whole life (app, install, connect, re-authorize,
// check, delete) must be in it, with exactly the documented payload.
import { EVENT_CATALOG, isEventName } from '@authpipe/contract';
import { beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  aConnectSession,
  anApp,
  anAppBody,
  anEmulatorApp,
  aProject,
  bearer,
  type RegisteredApp,
} from '@test/support/builders';
import { FlowBrowser, popupData } from '@test/support/flow-browser';
import { SEED, useTestEmulator } from '@test/support/test-emulator';
import { useTestVault } from '@test/support/test-vault';

describe('event catalog', () => {
  const t = useTestEmulator();
  const vault = useTestVault(() => ({ emulator: t }));
  let registered: RegisteredApp;

  beforeAll(async () => {
    registered = await anEmulatorApp(t);
  });

  it('holds every event a credential life writes, each payload exactly as documented', async () => {
    const project = await aProject(vault);
    const appId = await anApp(vault, project, anAppBody(t, registered));
    const api = () => vault.api();
    await api().patch(`/v1/apps/${appId}`).set(bearer(project.key)).send({ name: 'Renamed' }).expect(200);
    await api().post(`/v1/apps/${appId}/check`).set(bearer(project.key)).expect(200);

    const install = await aConnectSession(vault, project, { tenantId: 'org_events', credentialFor: 'installation' });
    expect(
      popupData((await new FlowBrowser(vault, t).install(install, SEED.contoso.admin.upn)).text).result.status,
    ).toBe('success');
    for (let i = 0; i < 2; i++) {
      const connect = await aConnectSession(vault, project, {
        tenantId: 'org_events',
        credentialFor: 'user',
        userId: 'user_1',
      });
      const reply = await new FlowBrowser(vault, t).connect(connect, SEED.contoso.adele.upn);
      expect(popupData(reply.text).result.status).toBe('success');
    }
    const connections = await api().get('/v1/connections').set(bearer(project.key)).expect(200);
    const installations = await api().get('/v1/installations').set(bearer(project.key)).expect(200);
    await api().delete(`/v1/connections/${connections.body.data[0].id}`).set(bearer(project.key)).expect(204);
    await api().delete(`/v1/installations/${installations.body.data[0].id}`).set(bearer(project.key)).expect(204);

    const events = await api().get('/v1/events?limit=100').set(bearer(project.key)).expect(200);
    const types = events.body.data.map((event: { type: string }) => event.type);
    expect(new Set(types)).toEqual(
      new Set([
        'app.created',
        'app.updated',
        'app.checked',
        'connect_session.created',
        'installation.created',
        'connection.created',
        'connection.reauthorized',
        'connection.deleted',
        'installation.deleted',
      ]),
    );
    for (const event of events.body.data as { type: string; payload: unknown }[]) {
      expect(isEventName(event.type), event.type).toBe(true);
      if (!isEventName(event.type)) continue;
      const schema = EVENT_CATALOG[event.type] as unknown as z.ZodObject;
      const parsed = schema.strict().safeParse(event.payload);
      expect(parsed.success, `${event.type}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
    }
  });
});
