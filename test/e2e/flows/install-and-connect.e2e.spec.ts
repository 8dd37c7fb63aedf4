import {
  KEEP_ALIVE_MS,
  SCHEDULER_JITTER_FRACTION,
  SCHEDULER_LEAD_FRACTION,
  SCHEDULER_MIN_LEAD_MS,
} from '@authpipe/contract';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdminConsentService } from '../../../apps/vault/src/connect/flows/admin-consent.service';
import { UserAuthorizationService } from '../../../apps/vault/src/connect/flows/user-authorization.service';
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
import { dumpText } from '@test/support/db-dump';
import { FlowBrowser, popupData } from '@test/support/flow-browser';
import { storedTokens } from '@test/support/stored-tokens';
import { SEED, useTestEmulator } from '@test/support/test-emulator';
import { useTestVault } from '@test/support/test-vault';

const MARKETING_URL = `https://${SEED.contoso.marketingSite.hostname}${SEED.contoso.marketingSite.serverRelativePath}`;

describe('install and connect flows', () => {
  const t = useTestEmulator();
  const vault = useTestVault(() => ({ emulator: t }));
  let registered: RegisteredApp;

  beforeAll(async () => {
    registered = await anEmulatorApp(t);
  });

  /**
   * A new credential's first refresh date follows the scheduler's rule (expiry − lead − jitter:
   * 20% of the lifetime, at least SCHEDULER_MIN_LEAD_MS, plus up to 5%), as after every refresh,
   * not a flat few minutes before expiry. The flow ran at the test clock's (unmoving) time.
   */
  function expectSchedulersRefreshAt(row: { expiresAt: Date | null; refreshAt: Date | null }) {
    const expiresAt = row.expiresAt!.getTime();
    const lifetime = expiresAt - vault.clock.nowMs;
    expect(lifetime).toBeGreaterThan(SCHEDULER_MIN_LEAD_MS);
    const lead = expiresAt - row.refreshAt!.getTime();
    const minLead = Math.max(SCHEDULER_MIN_LEAD_MS, lifetime * SCHEDULER_LEAD_FRACTION);
    expect(lead).toBeGreaterThanOrEqual(minLead - 1);
    expect(lead).toBeLessThanOrEqual(minLead + lifetime * SCHEDULER_JITTER_FRACTION + 1);
  }

  async function installAndConnect(project: TestProject, tenantId: string) {
    const installToken = await aConnectSession(vault, project, {
      tenantId,
      credentialFor: 'installation',
      resource: { kind: 'site', url: MARKETING_URL },
    });
    const install = await new FlowBrowser(vault, t).install(installToken, SEED.contoso.admin.upn);
    const connectToken = await aConnectSession(vault, project, { tenantId, credentialFor: 'user', userId: 'user_1' });
    const connect = await new FlowBrowser(vault, t).connect(connectToken, SEED.contoso.adele.upn);
    return { install, connect };
  }

  describe(AdminConsentService.name, () => {
    it('stores a proven installation bound to a SharePoint site and posts it to the allowed opener (secret, custom endpoints)', async () => {
      const project = await aProject(vault);
      await anApp(vault, project, anAppBody(t, registered));
      const token = await aConnectSession(vault, project, {
        tenantId: 'org_acme',
        credentialFor: 'installation',
        resource: { kind: 'site', url: MARKETING_URL },
      });
      const browser = new FlowBrowser(vault, t);
      // The admin signs in first (openid, PKCE): the verified id_token names the directory.
      const login = new URL(await browser.start(token));
      expect(login.pathname).toBe('/organizations/oauth2/v2.0/authorize');
      expect(login.searchParams.get('scope')?.split(' ')).toEqual(expect.arrayContaining(['openid', 'profile']));
      expect(login.searchParams.get('code_challenge_method')).toBe('S256');
      expect(login.searchParams.get('prompt')).toBe('select_account');
      expect(browser.cookie).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const signedIn = await browser.callback(
        '/oauth/callback',
        await browser.signIn(login.toString(), SEED.contoso.admin.upn),
      );
      // Then consent at that directory's own endpoint, never organizations or common.
      expect(new URL(signedIn.location!).pathname).toBe(`/${SEED.contoso.tenantId}/v2.0/adminconsent`);
      const reply = await browser.consent(signedIn, SEED.contoso.admin.upn);
      expect(reply.status).toBe(200);
      expect(reply.headers['content-security-policy']).toContain("default-src 'none'");
      const data = popupData(reply.text);
      expect(data.origins).toEqual([APP_ORIGIN]);
      expect(data.result).toMatchObject({
        status: 'success',
        provider: 'microsoft-onedrive',
        tenantId: 'org_acme',
        installationId: expect.stringMatching(/^ins_/),
      });

      const row = await vault.db.prisma.installation.findUniqueOrThrow({
        where: { id: data.result.installationId as string },
      });
      expect(row).toMatchObject({
        projectId: project.projectId,
        directoryId: SEED.contoso.tenantId,
        resourceKind: 'site',
        resourceSiteId: SEED.contoso.marketingSite.id,
        resourceDriveId: SEED.contoso.marketingSite.driveId,
        status: 'active',
      });
      expect(row.scopes).toContain('Files.ReadWrite.All');
      expectSchedulersRefreshAt(row);
      const events = await vault.db.prisma.event.findMany({
        where: { projectId: project.projectId, type: 'installation.created' },
      });
      expect(events).toHaveLength(1);
    });

    it('re-consents an existing installation in place (same id) and records the history', async () => {
      const project = await aProject(vault);
      await anApp(vault, project, anAppBody(t, registered));
      const first = await new FlowBrowser(vault, t).install(
        await aConnectSession(vault, project, { tenantId: 'org_re', credentialFor: 'installation' }),
        SEED.contoso.admin.upn,
      );
      const id = popupData(first.text).result.installationId as string;
      const browser = new FlowBrowser(vault, t);
      const login = await browser.start(
        await aConnectSession(vault, project, {
          tenantId: 'org_re',
          credentialFor: 'installation',
          resource: { kind: 'drive', driveId: SEED.contoso.marketingSite.driveId },
        }),
      );
      // Re-consent signs in at the installation's own directory, never organizations or common.
      expect(new URL(login).pathname).toBe(`/${SEED.contoso.tenantId}/oauth2/v2.0/authorize`);
      const again = await browser.consent(
        await browser.callback('/oauth/callback', await browser.signIn(login, SEED.contoso.admin.upn)),
        SEED.contoso.admin.upn,
      );
      expect(popupData(again.text).result.installationId).toBe(id);
      const row = await vault.db.prisma.installation.findUniqueOrThrow({ where: { id } });
      expect(row).toMatchObject({
        resourceKind: 'drive',
        resourceDriveId: SEED.contoso.marketingSite.driveId,
        version: 1,
      });
      const history = await vault.db.prisma.credentialHistory.findMany({
        where: { installationId: id },
        orderBy: { id: 'asc' },
      });
      expect(history.map((h) => h.action)).toEqual(['created', 'reauthorized']);
    });

    it('redirects to the allow-listed returnTo with the result in redirect mode', async () => {
      const project = await aProject(vault);
      await anApp(vault, project, anAppBody(t, registered));
      const token = await aConnectSession(vault, project, {
        tenantId: 'org_redirect',
        credentialFor: 'installation',
        mode: 'redirect',
        returnTo: `${APP_ORIGIN}/settings/integrations?tab=files`,
        resource: { kind: 'user_drive', user: SEED.contoso.alex.upn },
      });
      const reply = await new FlowBrowser(vault, t).install(token, SEED.contoso.admin.upn);
      expect(reply.status).toBe(302);
      const back = new URL(reply.location!);
      expect(back.origin + back.pathname).toBe(`${APP_ORIGIN}/settings/integrations`);
      expect(Object.fromEntries(back.searchParams)).toMatchObject({
        tab: 'files',
        status: 'success',
        tenantId: 'org_redirect',
        installationId: expect.stringMatching(/^ins_/),
      });
    });
  });

  describe(UserAuthorizationService.name, () => {
    it('starts the code flow with PKCE S256, state and nonce, bound to the browser by an HttpOnly SameSite=Lax cookie', async () => {
      const project = await aProject(vault);
      await anApp(vault, project, anAppBody(t, registered));
      const browser = new FlowBrowser(vault, t);
      const page = await browser.startPage(
        await aConnectSession(vault, project, { tenantId: 'org_pkce', credentialFor: 'user', userId: 'u' }),
      );
      const cookie = (page.headers['set-cookie'] as unknown as string[])[0];
      expect(cookie).toMatch(/^authpipe_flow=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=600; HttpOnly; SameSite=Lax$/);
      const res = await browser.continue(page);
      expect(res.status).toBe(302);
      const login = new URL(res.headers.location);
      expect(login.pathname).toBe('/organizations/oauth2/v2.0/authorize');
      expect(login.searchParams.get('code_challenge_method')).toBe('S256');
      expect(login.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(login.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(login.searchParams.get('nonce')?.length).toBeGreaterThanOrEqual(32);
      expect(login.searchParams.get('scope')?.split(' ')).toContain('offline_access');
      expect(login.searchParams.get('prompt')).toBe('select_account');
      const state = await vault.db.prisma.oAuthState.findFirstOrThrow({
        where: { projectId: project.projectId },
      });
      expect(state.expiresAt.getTime() - state.createdAt.getTime()).toBe(10 * 60_000);
      expect(JSON.stringify(state)).not.toContain(login.searchParams.get('state'));
    });

    it('connects a user of the installed directory with a certificate app, linked to the installation, tokens encrypted', async () => {
      const project = await aProject(vault);
      await anApp(vault, project, anAppBody(t, registered, { credential: 'certificate' }));
      const { install, connect } = await installAndConnect(project, 'org_cert');
      const installationId = popupData(install.text).result.installationId as string;
      expect(connect.status).toBe(200);
      const result = popupData(connect.text).result;
      expect(result).toMatchObject({
        status: 'success',
        tenantId: 'org_cert',
        userId: 'user_1',
        connectionId: expect.stringMatching(/^con_/),
      });

      const row = await vault.db.prisma.connection.findUniqueOrThrow({
        where: { id: result.connectionId as string },
      });
      expect(row).toMatchObject({
        installationId,
        oid: SEED.contoso.adele.id,
        tid: SEED.contoso.tenantId,
        upn: SEED.contoso.adele.upn,
        status: 'active',
      });
      expect(row.scopes).toEqual(expect.arrayContaining(['User.Read', 'Files.ReadWrite.All']));
      expectSchedulersRefreshAt(row);
      expect(row.keepAliveAt?.getTime()).toBe(vault.clock.nowMs + KEEP_ALIVE_MS);
      const tokens = await storedTokens(vault, 'connection', project.projectId, row.id);
      const appTokens = await storedTokens(vault, 'installation', project.projectId, installationId);
      expect(tokens?.refreshToken?.length).toBeGreaterThan(20);
      expect(tokens?.accessToken.length).toBeGreaterThan(20);
      expect(tokens?.expiresAt.getTime()).toBe(row.expiresAt?.getTime());
      expect(appTokens?.accessToken.length).toBeGreaterThan(20);
      expect(appTokens?.refreshToken).toBeNull();
      const refresh = tokens?.refreshToken;
      const access = tokens?.accessToken;
      const appToken = appTokens?.accessToken;

      // The stored rows hold none of what Microsoft issued or the app's secrets in the clear.
      const everything = await dumpText(vault.db);
      const privateKeyBody = registered.certificate.privateKeyPem.split('\n')[1];
      for (const secret of [refresh!, access!, appToken!, registered.secret, privateKeyBody]) {
        expect(everything).not.toContain(secret);
        expect(everything).not.toContain(Buffer.from(secret).toString('hex'));
      }
      expect(install.text + connect.text).not.toContain(access!);
      const logs = vault.logs.text();
      for (const secret of [refresh!, access!, appToken!, registered.secret]) expect(logs).not.toContain(secret);
    });

    it('re-authorizes an existing connection in place and records the history', async () => {
      const project = await aProject(vault);
      await anApp(vault, project, anAppBody(t, registered));
      const { connect } = await installAndConnect(project, 'org_again');
      const first = popupData(connect.text).result.connectionId as string;
      // Another Microsoft account than the one connected before: the session must allow it.
      const again = await aConnectSession(vault, project, {
        tenantId: 'org_again',
        credentialFor: 'user',
        userId: 'user_1',
        allowAccountChange: true,
      });
      const second = await new FlowBrowser(vault, t).connect(again, SEED.contoso.alex.upn);
      expect(popupData(second.text).result.connectionId).toBe(first);
      const row = await vault.db.prisma.connection.findUniqueOrThrow({ where: { id: first } });
      expect(row.oid).toBe(SEED.contoso.alex.id);
      const history = await vault.db.prisma.credentialHistory.findMany({
        where: { connectionId: first },
        orderBy: { id: 'asc' },
      });
      expect(history.map((h) => h.action)).toEqual(['created', 'reauthorized']);
      expect(history[1].previous).toMatchObject({ oid: SEED.contoso.adele.id });
    });
  });

  // National clouds are separate directories: the emulator's US Government tenant signs in there.
  describe('national cloud (usgov-l4 through the routes endpoint override)', () => {
    it('installs and connects with a secret against login.microsoftonline.us and graph.microsoft.us', async () => {
      const project = await aProject(vault);
      await anApp(vault, project, anAppBody(t, registered, { cloud: 'usgov-l4' }));
      const installToken = await aConnectSession(vault, project, {
        tenantId: 'org_gov',
        credentialFor: 'installation',
        resource: { kind: 'user_drive', user: SEED.usGov.grace.upn },
      });
      const browser = new FlowBrowser(vault, t);
      const login = await browser.start(installToken);
      expect(new URL(login).origin).toBe('https://login.microsoftonline.us');
      const install = await browser.consent(
        await browser.callback('/oauth/callback', await browser.signIn(login, SEED.usGov.admin.upn)),
        SEED.usGov.admin.upn,
      );
      expect(popupData(install.text).result.status).toBe('success');

      const connectToken = await aConnectSession(vault, project, {
        tenantId: 'org_gov',
        credentialFor: 'user',
        userId: 'u_gov',
      });
      const connect = await new FlowBrowser(vault, t).connect(connectToken, SEED.usGov.grace.upn);
      const result = popupData(connect.text).result;
      expect(result.status, JSON.stringify(result)).toBe('success');
      const row = await vault.db.prisma.installation.findFirstOrThrow({
        where: { projectId: project.projectId },
      });
      expect(row.cloud).toBe('usgov-l4');
    });

    it('installs with a certificate in the national cloud', async () => {
      const project = await aProject(vault);
      await anApp(vault, project, anAppBody(t, registered, { cloud: 'usgov-l4', credential: 'certificate' }));
      const token = await aConnectSession(vault, project, { tenantId: 'org_gov_cert', credentialFor: 'installation' });
      const reply = await new FlowBrowser(vault, t).install(token, SEED.usGov.admin.upn);
      expect(popupData(reply.text).result).toMatchObject({
        status: 'success',
        installationId: expect.stringMatching(/^ins_/),
      });
    });
  });
});
