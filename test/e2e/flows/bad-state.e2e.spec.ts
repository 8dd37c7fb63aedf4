import { createPkcePair } from '@authpipe/microsoft';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { asTenantExternalId } from '../../../apps/vault/src/common/tenant-ids';
import { ConnectService } from '../../../apps/vault/src/connect/flows/connect.service';
import { UserAuthorizationService } from '../../../apps/vault/src/connect/flows/user-authorization.service';
import { FlowStatesService } from '../../../apps/vault/src/connect/states/flow-states.service';
import { SecretsService } from '../../../apps/vault/src/secrets/secrets.service';
import { aConnectSession, anApp, anAppBody, anEmulatorApp, aProject, type TestProject } from '@test/support/builders';
import { FlowBrowser, popupData } from '@test/support/flow-browser';
import { countRows } from '@test/support/row-counts';
import { SEED, useTestEmulator } from '@test/support/test-emulator';
import { useTestVault } from '@test/support/test-vault';

// Bad browser-side input: states, codes, sessions. Each must end on a failure page, store
// nothing, and leak nothing (no code, verifier or token in the page).
describe('flows under bad state, code and session input', () => {
  const t = useTestEmulator();
  const vault = useTestVault(() => ({ emulator: t }));
  let project: TestProject;
  let before: Awaited<ReturnType<typeof countRows>>;

  beforeAll(async () => {
    project = await aProject(vault);
    await anApp(vault, project, anAppBody(t, await anEmulatorApp(t)));
  });
  beforeEach(async () => {
    before = await countRows(vault);
  });

  const userSession = (tenantId = 'org_bad') =>
    aConnectSession(vault, project, { tenantId, credentialFor: 'user', userId: 'u1' });
  async function expectFailure(reply: { status: number; text: string }, code: string) {
    expect(reply.status).toBeGreaterThanOrEqual(400);
    expect(reply.text).toContain(`Authpipe error code: ${code}.`);
    expect(await countRows(vault)).toEqual(before);
  }

  describe(FlowStatesService.name, () => {
    it('refuses a replayed state and stores nothing the second time', async () => {
      const browser = new FlowBrowser(vault, t);
      const reply = await browser.signIn(await browser.start(await userSession('org_replay')), SEED.contoso.adele.upn);
      expect((await browser.callback('/oauth/callback', reply)).status).toBe(200);
      before = await countRows(vault);
      const replay = await browser.callback('/oauth/callback', reply);
      await expectFailure(replay, 'state_replayed');
      expect(replay.text).not.toContain(reply.get('code')!);
    });

    it('refuses an expired state', async () => {
      const browser = new FlowBrowser(vault, t);
      const login = await browser.start(await userSession());
      await vault.db.prisma.oAuthState.updateMany({
        where: { usedAt: null },
        data: { expiresAt: vault.clock.date(-1000) },
      });
      await expectFailure(
        await browser.callback('/oauth/callback', await browser.signIn(login, SEED.contoso.adele.upn)),
        'state_expired',
      );
    });

    it("refuses another session's state arriving in this browser", async () => {
      const mine = new FlowBrowser(vault, t);
      await mine.start(await userSession());
      const theirs = new FlowBrowser(vault, t);
      const reply = await theirs.signIn(await theirs.start(await userSession('org_other')), SEED.contoso.alex.upn);
      await expectFailure(await mine.callback('/oauth/callback', reply), 'state_browser_mismatch');
      await expectFailure(await mine.callback('/oauth/callback', reply, null), 'state_browser_mismatch');
    });

    it('refuses an unknown or missing state', async () => {
      const browser = new FlowBrowser(vault, t);
      await browser.start(await userSession());
      await expectFailure(
        await browser.callback('/oauth/callback', new URLSearchParams({ code: 'x', state: 'A'.repeat(43) })),
        'state_not_found',
      );
      await expectFailure(
        await browser.callback('/oauth/callback', new URLSearchParams({ code: 'x' })),
        'state_missing',
      );
    });
  });

  describe(UserAuthorizationService.name, () => {
    it('fails without a code and with a wrong code', async () => {
      const browser = new FlowBrowser(vault, t);
      const reply = await browser.signIn(await browser.start(await userSession()), SEED.contoso.adele.upn);
      reply.delete('code');
      await expectFailure(await browser.callback('/oauth/callback', reply), 'code_missing');

      const second = new FlowBrowser(vault, t);
      const other = await second.signIn(await second.start(await userSession()), SEED.contoso.adele.upn);
      other.set('code', 'not-a-code-Microsoft-issued');
      const wrong = await second.callback('/oauth/callback', other);
      await expectFailure(wrong, 'microsoft_error');
      expect(wrong.text).toMatch(/AADSTS\d+/);
    });

    it('explains error=access_denied and posts it to the opener', async () => {
      const browser = new FlowBrowser(vault, t);
      const reply = await browser.signIn(await browser.start(await userSession()), SEED.contoso.adele.upn, 'deny');
      expect(reply.get('error')).toBe('access_denied');
      const page = await browser.callback('/oauth/callback', reply);
      await expectFailure(page, 'access_denied');
      expect(popupData(page.text).result).toMatchObject({
        status: 'error',
        tenantId: 'org_bad',
        userId: 'u1',
        error: { code: 'access_denied' },
      });
    });

    it('fails when the PKCE verifier does not match the challenge Microsoft saw', async () => {
      const browser = new FlowBrowser(vault, t);
      const login = await browser.start(await userSession('org_pkce'));
      const state = await vault.db.prisma.oAuthState.findFirstOrThrow({
        where: { usedAt: null, kind: 'authorize' },
        orderBy: { id: 'desc' },
      });
      // Swap the stored verifier (through the real envelope) for another valid one.
      await vault
        .get(SecretsService)
        .put(
          { projectId: project.projectId, tenantExternalId: asTenantExternalId('org_pkce') },
          { recordType: 'oauth_state', recordId: state.id, field: 'codeVerifier' },
          createPkcePair().codeVerifier,
        );
      const page = await browser.callback('/oauth/callback', await browser.signIn(login, SEED.contoso.adele.upn));
      await expectFailure(page, 'microsoft_error');
      expect(page.text).toContain('AADSTS501481');
    });
  });

  describe(ConnectService.name, () => {
    it('refuses a tampered, an unknown-shaped and an expired session token before any redirect', async () => {
      const token = await userSession();
      const tampered = `${token.slice(0, -1)}${token.endsWith('a') ? 'b' : 'a'}`;
      const browser = new FlowBrowser(vault, t);
      const res = await browser.open(`/connect/microsoft-onedrive?session=${tampered}`);
      expect(res.status).toBe(404);
      expect(res.text).toContain('connect_session_not_found');
      expect((await browser.open('/connect/microsoft-onedrive?session=%3Cscript%3E')).text).not.toContain(
        '<script>alert',
      );
      await vault.db.prisma.connectSession.updateMany({
        where: { projectId: project.projectId, consumedAt: null },
        data: { expiresAt: vault.clock.date(-1000) },
      });
      const expired = await browser.open(`/connect/microsoft-onedrive?session=${token}`);
      expect(expired.status).toBe(410);
      expect(expired.text).toContain('connect_session_expired');
      expect(browser.cookie).toBeNull();
    });

    it('names a connect URL without ?session= and a mistyped provider as such, not as an unknown session', async () => {
      const browser = new FlowBrowser(vault, t);
      const missing = await browser.open('/connect/microsoft-onedrive');
      expect(missing.status).toBe(400);
      expect(missing.text).toContain('Authpipe error code: connect_session_missing.');
      expect(missing.text).toContain('This link is incomplete');
      const empty = await browser.open('/connect/microsoft-onedrive?session=');
      expect(empty.text).toContain('connect_session_missing');

      const mistyped = await browser.open(`/connect/microsoft-onedrvie?session=${await userSession()}`);
      expect(mistyped.status).toBe(404);
      expect(mistyped.text).toContain('Authpipe error code: provider_not_found.');
      expect(mistyped.text).not.toContain('connect_session_not_found');
    });

    it("runs another project's session into that project only", async () => {
      const registered = await anEmulatorApp(t);
      const other = await aProject(vault, 'Other');
      await anApp(vault, other, anAppBody(t, registered));
      const mine = await vault.db.prisma.connection.count({ where: { projectId: project.projectId } });
      const token = await aConnectSession(vault, other, { tenantId: 'org_bad', credentialFor: 'user', userId: 'u1' });
      const reply = await new FlowBrowser(vault, t).connect(token, SEED.contoso.adele.upn);
      expect(popupData(reply.text).result.status).toBe('success');
      expect(await vault.db.prisma.connection.count({ where: { projectId: project.projectId } })).toBe(mine);
      expect(await vault.db.prisma.connection.count({ where: { projectId: other.projectId } })).toBe(1);
    });
  });
});
