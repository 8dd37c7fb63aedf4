import { beforeAll, describe, expect, it } from 'vitest';
import { aConnectSession, anApp, anAppBody, anEmulatorApp, aProject, type TestProject } from '@test/support/builders';
import { continueLink, FlowBrowser, popupData } from '@test/support/flow-browser';
import { SEED, useTestEmulator } from '@test/support/test-emulator';
import { useTestVault } from '@test/support/test-vault';

// The audit's finding 3: a connect URL was a bearer capability until completion. A session minted
// for org_attacker/user_attacker, opened in a victim's browser and completed there, stored the
// victim's tokens under the attacker's user. Now the person sees what they are connecting before
// anything goes to Microsoft, chooses the account there, the start is bound to the browser, and a
// user's connection cannot silently change hands to another Microsoft account.
describe('a connect link is not a bearer capability', () => {
  const t = useTestEmulator();
  const vault = useTestVault(() => ({ emulator: t }));
  let project: TestProject;

  beforeAll(async () => {
    project = await aProject(vault, 'Acme Files');
    await anApp(vault, project, anAppBody(t, await anEmulatorApp(t)));
  });

  const userSession = (tenantId: string, userId: string, extra: Record<string, unknown> = {}) =>
    aConnectSession(vault, project, { tenantId, credentialFor: 'user', userId, ...extra });
  const statesOf = (tenantId: string) =>
    vault.db.prisma.oAuthState.count({
      where: { projectId: project.projectId, session: { tenant: { externalId: tenantId } } },
    });

  it('shows the end user which application, organisation and user they connect to before Microsoft', async () => {
    const victim = new FlowBrowser(vault, t);
    const page = await victim.startPage(await userSession('org_attacker', 'user_attacker'));
    expect(page.text).toContain('Connect your Microsoft account to Acme Files');
    expect(page.text).toMatch(/<dt>Application<\/dt><dd>Acme Files<\/dd>/);
    expect(page.text).toMatch(/<dt>Organisation<\/dt><dd>org_attacker<\/dd>/);
    expect(page.text).toMatch(/<dt>User<\/dt><dd>user_attacker<\/dd>/);
    expect(page.text).toContain('if someone sent you this link, close this window');
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    // Nothing was started: no state exists until the person continues.
    expect(await statesOf('org_attacker')).toBe(0);
  });

  it("refuses a Continue link forwarded from another browser: the victim's browser sees the start page again", async () => {
    const token = await userSession('org_forward', 'user_attacker');
    const attacker = new FlowBrowser(vault, t);
    const link = continueLink((await attacker.startPage(token)).text);
    const victim = new FlowBrowser(vault, t);
    const res = await victim.open(link);
    expect(res.status).toBe(200);
    expect(res.text).toContain('Continue to Microsoft');
    expect(res.headers.location).toBeUndefined();
    expect(await statesOf('org_forward')).toBe(0);
    // The victim's own page has a link of its own that works in the victim's browser only.
    expect(continueLink(res.text)).not.toBe(link);
  });

  it('asks Microsoft to let the person choose the account (prompt=select_account)', async () => {
    const login = new URL(await new FlowBrowser(vault, t).start(await userSession('org_prompt', 'u1')));
    expect(login.searchParams.get('prompt')).toBe('select_account');
  });

  describe('one live start per session and browser: the newest window wins', () => {
    it('a double click: the older window finishing first is told it was superseded, the newest one succeeds', async () => {
      const token = await userSession('org_double', 'u1');
      const browser = new FlowBrowser(vault, t);
      const older = await browser.start(token);
      const newer = await browser.start(token);

      const olderReply = await browser.callback('/oauth/callback', await browser.signIn(older, SEED.contoso.adele.upn));
      expect(olderReply.status).toBe(409);
      expect(olderReply.text).toContain('Use the newest window to finish');
      expect(popupData(olderReply.text).result).toMatchObject({
        type: 'authpipe:flow-result',
        status: 'superseded',
        tenantId: 'org_double',
      });
      expect(await vault.db.prisma.connection.count({ where: { projectId: project.projectId, userId: 'u1' } })).toBe(0);

      const newerReply = await browser.callback('/oauth/callback', await browser.signIn(newer, SEED.contoso.adele.upn));
      expect(newerReply.status, newerReply.text.slice(0, 400)).toBe(200);
      expect(popupData(newerReply.text).result).toMatchObject({ status: 'success', tenantId: 'org_double' });
    });

    it('the superseded window stays superseded after the newest one succeeded (never a replay or a second result)', async () => {
      const token = await userSession('org_late', 'u1');
      const browser = new FlowBrowser(vault, t);
      const older = await browser.start(token);
      const olderReply = await browser.signIn(older, SEED.contoso.adele.upn);
      const newer = await browser.start(token);
      const done = await browser.callback('/oauth/callback', await browser.signIn(newer, SEED.contoso.adele.upn));
      expect(done.status).toBe(200);
      const late = await browser.callback('/oauth/callback', olderReply);
      expect(late.status).toBe(409);
      expect(popupData(late.text).result.status).toBe('superseded');
    });

    it('a start in another browser does not supersede this one', async () => {
      const token = await userSession('org_two_browsers', 'u1');
      const mine = new FlowBrowser(vault, t);
      const login = await mine.start(token);
      await new FlowBrowser(vault, t).start(token);
      const reply = await mine.callback('/oauth/callback', await mine.signIn(login, SEED.contoso.adele.upn));
      expect(reply.status, reply.text.slice(0, 400)).toBe(200);
    });
  });

  describe('re-authorizing a connection with another Microsoft account', () => {
    it('is refused with account_mismatch, leaving the connection as it was', async () => {
      const first = await new FlowBrowser(vault, t).connect(
        await userSession('org_account', 'user_1'),
        SEED.contoso.adele.upn,
      );
      expect(first.status).toBe(200);
      const before = await vault.db.prisma.connection.findFirstOrThrow({
        where: { projectId: project.projectId, userId: 'user_1', tenant: { externalId: 'org_account' } },
      });

      const other = await new FlowBrowser(vault, t).connect(
        await userSession('org_account', 'user_1'),
        SEED.contoso.alex.upn,
      );
      expect(other.status).toBe(403);
      expect(other.text).toContain('account_mismatch');
      expect(popupData(other.text).result).toMatchObject({ status: 'error', error: { code: 'account_mismatch' } });
      const after = await vault.db.prisma.connection.findUniqueOrThrow({ where: { id: before.id } });
      expect(after.oid).toBe(SEED.contoso.adele.id);
      expect(after.version).toBe(before.version);
    });

    it('is allowed when the session says so (allowAccountChange), and the same account always is', async () => {
      const same = await new FlowBrowser(vault, t).connect(
        await userSession('org_account', 'user_1'),
        SEED.contoso.adele.upn,
      );
      expect(same.status).toBe(200);
      const changed = await new FlowBrowser(vault, t).connect(
        await userSession('org_account', 'user_1', { allowAccountChange: true }),
        SEED.contoso.alex.upn,
      );
      expect(changed.status, changed.text.slice(0, 400)).toBe(200);
    });

    it('allowAccountChange is refused on an installation session (it only applies to users)', async () => {
      const res = await vault.api().post('/v1/connect-sessions').set('Authorization', `Bearer ${project.key}`).send({
        provider: 'microsoft-onedrive',
        tenantId: 'org_x',
        credentialFor: 'installation',
        allowAccountChange: true,
      });
      expect(res.status).toBe(400);
    });
  });
});
