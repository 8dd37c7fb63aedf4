// One connect session serves a popup or, when the browser blocks it, a redirect: the start URL's
// `mode` (set by @authpipe/react) picks the mode of the attempt, whatever the session was created with.
import { beforeAll, describe, expect, it } from 'vitest';
import { ConnectService } from '../../../apps/vault/src/connect/flows/connect.service';
import {
  APP_ORIGIN,
  aConnectSession,
  anApp,
  anAppBody,
  anEmulatorApp,
  aProject,
  type RegisteredApp,
  type TestProject,
} from '@test/support/builders';
import { FlowBrowser, popupData } from '@test/support/flow-browser';
import { SEED, useTestEmulator } from '@test/support/test-emulator';
import { useTestVault } from '@test/support/test-vault';

describe(`${ConnectService.name} › mode chosen at start`, () => {
  const t = useTestEmulator();
  const vault = useTestVault(() => ({ emulator: t }));
  let registered: RegisteredApp;
  let project: TestProject;

  beforeAll(async () => {
    registered = await anEmulatorApp(t);
    project = await aProject(vault);
    await anApp(vault, project, anAppBody(t, registered));
  });

  // FlowBrowser opens /connect/microsoft-onedrive?session=<token>: the mode rides after the token.
  const withMode = (token: string, mode: 'popup' | 'redirect') => `${token}&mode=${mode}`;

  it('completes a popup session in redirect mode, back to its returnTo with the result', async () => {
    const token = await aConnectSession(vault, project, {
      tenantId: 'org_modes_a',
      credentialFor: 'user',
      userId: 'user_1',
      returnTo: `${APP_ORIGIN}/settings?tab=files`,
    });
    const reply = await new FlowBrowser(vault, t).connect(withMode(token, 'redirect'), SEED.contoso.adele.upn);
    expect(reply.status, reply.text.slice(0, 300)).toBe(302);
    const back = new URL(reply.location!);
    expect(back.origin + back.pathname).toBe(`${APP_ORIGIN}/settings`);
    expect(Object.fromEntries(back.searchParams)).toMatchObject({
      tab: 'files',
      status: 'success',
      tenantId: 'org_modes_a',
      userId: 'user_1',
      connectionId: expect.stringMatching(/^con_/),
    });
  });

  it('completes a redirect session in popup mode, posting the result to the opener', async () => {
    const token = await aConnectSession(vault, project, {
      tenantId: 'org_modes_b',
      credentialFor: 'user',
      userId: 'user_1',
      mode: 'redirect',
      returnTo: `${APP_ORIGIN}/settings`,
    });
    const reply = await new FlowBrowser(vault, t).connect(withMode(token, 'popup'), SEED.contoso.adele.upn);
    expect(reply.status, reply.text.slice(0, 300)).toBe(200);
    expect(popupData(reply.text)).toMatchObject({
      result: { status: 'success', tenantId: 'org_modes_b', connectionId: expect.stringMatching(/^con_/) },
      origins: [APP_ORIGIN],
      close: true,
    });
  });

  it('refuses redirect mode for a session without returnTo and leaves the session usable in a popup', async () => {
    const token = await aConnectSession(vault, project, {
      tenantId: 'org_modes_c',
      credentialFor: 'user',
      userId: 'u',
    });
    const browser = new FlowBrowser(vault, t);
    const refused = await browser.open(`/connect/microsoft-onedrive?session=${withMode(token, 'redirect')}`);
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('redirect_mode_unavailable');
    const session = await vault.db.prisma.connectSession.findFirstOrThrow({
      where: { projectId: project.projectId, tenant: { externalId: 'org_modes_c' } },
    });
    expect(session).toMatchObject({ mode: 'popup', consumedAt: null });
    const login = new URL(await browser.start(token));
    expect(login.pathname).toBe('/organizations/oauth2/v2.0/authorize');
  });
});
