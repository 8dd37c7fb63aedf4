// Attack family: binding another customer's Microsoft directory to one's own tenant.
//
// The admin-consent callback's query string (`admin_consent=True&tenant=<guid>`) is typed by
// whoever holds the browser, and the app-only token the vault then acquires only proves that the
// app is consented somewhere in that directory, which is true for every customer already
// installed. So the directory must be proven by the admin's verified sign-in (id_token `tid`),
// carried in the flow's state, and the consent reply must name that same directory.
import { beforeAll, describe, expect, it } from 'vitest';
import { ProjectsService } from '../../apps/vault/src/projects/projects.service';
import {
  aConnectSession,
  anApp,
  anAppBody,
  anEmulatorApp,
  aProject,
  bearer,
  type RegisteredApp,
  type TestProject,
} from '@test/support/builders';
import { FlowBrowser, popupData, type CallbackReply } from '@test/support/flow-browser';
import { countRows } from '@test/support/row-counts';
import { SEED, useTestEmulator } from '@test/support/test-emulator';
import { useTestVault } from '@test/support/test-vault';

const CONTOSO = SEED.contoso.tenantId;
const MARKETING_URL = `https://${SEED.contoso.marketingSite.hostname}${SEED.contoso.marketingSite.serverRelativePath}`;
const RESOURCES = [
  ['no resource', undefined],
  ['a SharePoint site', { kind: 'site', url: MARKETING_URL }],
] as const;

describe('forged admin consent: one tenant binding another customer directory', () => {
  const t = useTestEmulator();
  const vault = useTestVault(() => ({ emulator: t }));
  /** The app's tokens carry directory roles (`wids`), so the vault can tell an admin at sign-in. */
  let withRoles: RegisteredApp;
  /** The app's tokens carry no roles: the vault cannot tell an admin until Microsoft's consent page. */
  let withoutRoles: RegisteredApp;

  beforeAll(async () => {
    withRoles = await anEmulatorApp(t, { groupMembershipClaims: 'DirectoryRole' });
    withoutRoles = await anEmulatorApp(t);
  });

  /** A project whose customer `org_victim` installed Contoso legitimately, as its admin. */
  async function victimProject(registered: RegisteredApp): Promise<{ project: TestProject; victimId: string }> {
    const project = await aProject(vault);
    await anApp(vault, project, anAppBody(t, registered));
    const reply = await new FlowBrowser(vault, t).install(
      await installSession(project, 'org_victim'),
      SEED.contoso.admin.upn,
    );
    const result = popupData(reply.text).result;
    expect(result.status, JSON.stringify(result)).toBe('success');
    return { project, victimId: result.installationId as string };
  }

  const installSession = (project: TestProject, tenantId: string, resource?: unknown) =>
    aConnectSession(vault, project, {
      tenantId,
      credentialFor: 'installation',
      ...(resource !== undefined ? { resource } : {}),
    });

  async function installationsOf(project: TestProject) {
    return vault.db.prisma.installation.findMany({
      where: { projectId: project.projectId },
      select: { id: true, directoryId: true, version: true, tenant: { select: { externalId: true } } },
      orderBy: { id: 'asc' },
    });
  }

  /** A failure page; `posted`: the flow's session was known, so the opener is told too. */
  function expectRefused(reply: CallbackReply, status: number, code: string, posted = true) {
    expect(reply.status, reply.text.slice(0, 300)).toBe(status);
    expect(reply.location).toBeUndefined();
    expect(reply.text).toContain(`Authpipe error code: ${code}.`);
    if (posted) expect(popupData(reply.text).result).toMatchObject({ status: 'error', error: { code } });
  }

  /** The attacker's own browser: starts a flow and signs in at Microsoft as `upn` (when given). */
  async function attackerSignedIn(project: TestProject, upn: string, resource?: unknown) {
    const browser = new FlowBrowser(vault, t);
    const login = await browser.start(await installSession(project, 'org_attacker', resource));
    const signedIn = await browser.callback('/oauth/callback', await browser.signIn(login, upn));
    return { browser, signedIn };
  }

  /** The callback an attacker types: their own state and cookie, someone else's directory. */
  function forgedConsent(browser: FlowBrowser, state: string, tenant: string = CONTOSO): Promise<CallbackReply> {
    return browser.callback(
      '/oauth/admin-consent/callback',
      new URLSearchParams({ admin_consent: 'True', tenant, state, scope: 'https://graph.microsoft.com/.default' }),
    );
  }

  it.each(RESOURCES)(
    'refuses a consent callback forged without ever visiting Microsoft (%s)',
    async (_label, resource) => {
      const { project } = await victimProject(withoutRoles);
      const before = await installationsOf(project);
      const rows = await countRows(vault);

      const browser = new FlowBrowser(vault, t);
      const login = new URL(await browser.start(await installSession(project, 'org_attacker', resource)));
      // The only state the attacker holds is the sign-in's: it cannot complete a consent.
      const reply = await forgedConsent(browser, login.searchParams.get('state')!);

      // No consent state matches: nothing to complete, nobody to post to.
      expectRefused(reply, 400, 'state_not_found', false);
      expect(await installationsOf(project)).toEqual(before);
      expect(await countRows(vault)).toEqual(rows);
    },
  );

  it.each(RESOURCES)(
    "refuses a consent callback naming another directory than the admin's sign-in proved (%s)",
    async (_label, resource) => {
      const { project } = await victimProject(withoutRoles);
      const before = await installationsOf(project);
      // A real admin, of the attacker's own directory (Fabrikam).
      const { browser, signedIn } = await attackerSignedIn(project, SEED.fabrikam.admin.upn, resource);
      const consentUrl = new URL(signedIn.location!);
      expect(consentUrl.pathname).toBe(`/${SEED.fabrikam.tenantId}/v2.0/adminconsent`);

      const reply = await forgedConsent(browser, consentUrl.searchParams.get('state')!, CONTOSO);

      expectRefused(reply, 403, 'tenant_mismatch');
      expect(await installationsOf(project)).toEqual(before);
    },
  );

  describe('a member of the directory who is not an administrator', () => {
    it('is refused at sign-in when the tokens carry directory roles', async () => {
      const project = await aProject(vault);
      await anApp(vault, project, anAppBody(t, withRoles));
      const rows = await countRows(vault);
      const { signedIn } = await attackerSignedIn(project, SEED.contoso.adele.upn);
      expectRefused(signedIn, 403, 'admin_role_required');
      expect(await countRows(vault)).toEqual(rows);
    });

    it("cannot use the app's existing consent in a directory another tenant installed", async () => {
      const { project } = await victimProject(withoutRoles);
      const before = await installationsOf(project);
      const events = await vault.db.prisma.event.count({ where: { type: 'installation.refused' } });
      // Without roles in the token, the sign-in of a non-admin passes…
      const signIn = await attackerSignedInRaw(project, SEED.contoso.adele.upn);
      expectRefused(signIn, 409, 'directory_already_installed');
      expect(await installationsOf(project)).toEqual(before);
      // …and the refusal is recorded for the operator, naming the tenant that holds the directory.
      const refused = await vault.db.prisma.event.findMany({
        where: { projectId: project.projectId, type: 'installation.refused' },
      });
      expect(refused).toHaveLength(1);
      expect(refused[0].payload).toMatchObject({
        reason: 'directory_already_installed',
        directoryId: CONTOSO,
        installedForTenantId: 'org_victim',
      });
      expect(await vault.db.prisma.event.count({ where: { type: 'installation.refused' } })).toBe(events + 1);
    });

    it("is stopped by Microsoft's consent page when the vault cannot tell", async () => {
      const project = await aProject(vault);
      await anApp(vault, project, anAppBody(t, withoutRoles));
      const { browser, signedIn } = await attackerSignedIn(project, SEED.fabrikam.diego.upn);
      expect(signedIn.status).toBe(302);
      await expect(browser.signIn(signedIn.location!, SEED.fabrikam.diego.upn)).rejects.toThrow(
        /sign-in answered HTTP 403/,
      );
      // Typing the consent reply instead gets nowhere: the app was never consented in Fabrikam.
      const state = new URL(signedIn.location!).searchParams.get('state')!;
      const forged = await forgedConsent(browser, state, SEED.fabrikam.tenantId);
      expectRefused(forged, 502, 'microsoft_error');
      expect(forged.text).toContain('AADSTS700016');
      expect(await installationsOf(project)).toEqual([]);
    });
  });

  it('refuses an admin of another directory re-consenting an existing installation', async () => {
    const { project, victimId } = await victimProject(withRoles);
    const browser = new FlowBrowser(vault, t);
    const login = await browser.start(await installSession(project, 'org_victim'));
    // Re-consent signs in at the installation's own directory; another directory's admin cannot.
    expect(new URL(login).pathname).toBe(`/${CONTOSO}/oauth2/v2.0/authorize`);
    const foreignLogin = login.replace(`/${CONTOSO}/`, '/organizations/');
    const reply = await browser.callback(
      '/oauth/callback',
      await browser.signIn(foreignLogin, SEED.fabrikam.admin.upn),
    );
    expectRefused(reply, 409, 'directory_mismatch');
    expect((await installationsOf(project)).find((i) => i.id === victimId)).toMatchObject({
      directoryId: CONTOSO,
      version: 0,
    });
  });

  describe('a directory already installed for another tenant of the project', () => {
    it("is refused by default, even for that directory's real admin", async () => {
      const { project } = await victimProject(withRoles);
      const { signedIn } = await attackerSignedIn(project, SEED.contoso.admin.upn);
      expectRefused(signedIn, 409, 'directory_already_installed');
      expect((await installationsOf(project)).map((i) => i.tenant.externalId)).toEqual(['org_victim']);
    });

    it("is allowed once the project opts in, with the admin's role proven", async () => {
      const { project } = await victimProject(withRoles);
      await vault.get(ProjectsService).update(project.projectId, { allowSharedDirectories: true });
      const reply = await new FlowBrowser(vault, t).install(
        await installSession(project, 'org_second'),
        SEED.contoso.admin.upn,
      );
      expect(popupData(reply.text).result.status).toBe('success');
      const installations = await installationsOf(project);
      expect(installations.map((i) => [i.tenant.externalId, i.directoryId])).toEqual([
        ['org_victim', CONTOSO],
        ['org_second', CONTOSO],
      ]);
      const consentedBy = await vault.db.prisma.installation.findMany({
        where: { projectId: project.projectId },
        select: { consentedBy: true },
      });
      expect(consentedBy.map((c) => c.consentedBy)).toEqual([SEED.contoso.admin.upn, SEED.contoso.admin.upn]);
    });

    it('needs the admin role proven even when the project opts in', async () => {
      const { project } = await victimProject(withoutRoles);
      await vault.get(ProjectsService).update(project.projectId, { allowSharedDirectories: true });
      const signedIn = await attackerSignedInRaw(project, SEED.contoso.adele.upn);
      expectRefused(signedIn, 403, 'admin_role_required');
    });

    it('lets exactly one of two tenants consenting at the same moment win', async () => {
      const project = await aProject(vault);
      await anApp(vault, project, anAppBody(t, withRoles));
      const signIns = await Promise.all(
        ['org_left', 'org_right'].map(async (tenantId) => {
          const browser = new FlowBrowser(vault, t);
          const login = await browser.start(await installSession(project, tenantId));
          const signedIn = await browser.callback(
            '/oauth/callback',
            await browser.signIn(login, SEED.contoso.admin.upn),
          );
          return { browser, signedIn };
        }),
      );
      const replies = await Promise.all(signIns.map((s) => s.browser.consent(s.signedIn, SEED.contoso.admin.upn)));
      const results = replies.map((r) => popupData(r.text).result);
      expect(results.map((r) => r.status).sort()).toEqual(['error', 'success']);
      expect(results.find((r) => r.status === 'error')).toMatchObject({
        error: { code: 'directory_already_installed' },
      });
      expect(await installationsOf(project)).toHaveLength(1);
    });
  });

  it("offers a project's own key no way to allow shared directories (an operator setting)", async () => {
    const project = await aProject(vault);
    // The project's own key cannot change it: there is no such public route.
    const res = await vault
      .api()
      .patch(`/v1/projects/${project.projectId}`)
      .set(bearer(project.key))
      .send({ allowSharedDirectories: true });
    expect(res.status).toBe(404);
    expect((await vault.get(ProjectsService).get(project.projectId)).allowSharedDirectories).toBe(false);
  });

  /** Start and sign in as `upn`, returning the vault's reply to the sign-in. */
  async function attackerSignedInRaw(project: TestProject, upn: string): Promise<CallbackReply> {
    return (await attackerSignedIn(project, upn)).signedIn;
  }
});
