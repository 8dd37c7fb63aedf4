import { describe, expect, it } from 'vitest';
import { createClientCertificate } from '../../../apps/microsoft-emulator/src/tls/certificates';
import { AdminConsentService } from '../../../apps/vault/src/connect/flows/admin-consent.service';
import { ConnectService } from '../../../apps/vault/src/connect/flows/connect.service';
import { UserAuthorizationService } from '../../../apps/vault/src/connect/flows/user-authorization.service';
import {
  APP_ORIGIN,
  aConnectSession,
  anApp,
  anAppBody,
  anEmulatorApp,
  aProject,
  bearer,
  type RegisteredApp,
} from '@test/support/builders';
import { FlowBrowser, popupData } from '@test/support/flow-browser';
import { countRows } from '@test/support/row-counts';
import { SEED, useTestEmulator } from '@test/support/test-emulator';
import { PUBLIC_URL, useTestVault } from '@test/support/test-vault';

type AppOptions = NonNullable<Parameters<typeof anAppBody>[2]>;

// Bad configuration and bad accounts: each ends on an explained failure page before or after
// Microsoft, stores no credential, and marks the app misconfigured when its own credential failed.
describe('flows under bad configuration and accounts', () => {
  const t = useTestEmulator();
  const vault = useTestVault(() => ({ emulator: t }));

  async function setup(
    options: Pick<AppOptions, 'credential' | 'userAuthority'> & { registered?: RegisteredApp } = {},
  ) {
    const registered = options.registered ?? (await anEmulatorApp(t));
    const project = await aProject(vault);
    const appId = await anApp(vault, project, anAppBody(t, registered, options));
    return { registered, project, appId };
  }
  const install = (ctx: Awaited<ReturnType<typeof setup>>, tenantId: string, extra: Record<string, unknown> = {}) =>
    aConnectSession(vault, ctx.project, { tenantId, credentialFor: 'installation', ...extra });
  const connect = (ctx: Awaited<ReturnType<typeof setup>>, tenantId: string, userId = 'u1') =>
    aConnectSession(vault, ctx.project, { tenantId, credentialFor: 'user', userId });
  const failed = (text: string, code: string) => expect(text).toContain(`Authpipe error code: ${code}.`);

  describe(ConnectService.name, () => {
    it('shows redirect_uri_not_registered before any redirect when the app has no callback URI', async () => {
      const ctx = await setup();
      await vault
        .api()
        .patch(`/v1/apps/${ctx.appId}`)
        .set(bearer(ctx.project.key))
        .send({ redirectUris: [`${PUBLIC_URL}/elsewhere`] })
        .expect(200);
      const res = await new FlowBrowser(vault, t).open(
        `/connect/microsoft-onedrive?session=${await connect(ctx, 'org_r')}`,
      );
      expect(res.status).toBe(500);
      failed(res.text, 'redirect_uri_not_registered');
      expect(res.headers['set-cookie']).toBeUndefined();
    });

    it('stops at Microsoft (AADSTS50011) when the Entra app lacks the redirect URI, storing nothing', async () => {
      const ctx = await setup();
      t.emulator.store.findApp(ctx.registered.clientId)!.redirectUris = [`${PUBLIC_URL}/somewhere-else`];
      const before = await countRows(vault);
      const login = await new FlowBrowser(vault, t).start(await install(ctx, 'org_r2'));
      const page = await t.browser.request({ method: 'GET', url: login });
      expect(page.status).toBeGreaterThanOrEqual(400);
      expect(page.body.toString('utf8')).toContain('AADSTS50011');
      expect(await countRows(vault)).toEqual(before);
    });

    it('refuses scopes without offline_access at the API and, for an older row, before any redirect', async () => {
      const ctx = await setup();
      const res = await vault
        .api()
        .patch(`/v1/apps/${ctx.appId}`)
        .set(bearer(ctx.project.key))
        .send({ userScopes: ['User.Read', 'Files.Read'] });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('scopes_missing_offline_access');
      const token = await connect(ctx, 'org_s');
      await vault.db.prisma.providerApp.update({
        where: { id: ctx.appId },
        data: { userScopes: ['User.Read', 'Files.Read'] },
      });
      const page = await new FlowBrowser(vault, t).open(`/connect/microsoft-onedrive?session=${token}`);
      expect(page.status).toBe(500);
      failed(page.text, 'scopes_missing_offline_access');
      expect(page.headers.location).toBeUndefined();
    });

    it('refuses a returnTo outside the allowed origins, and never posts to another origin', async () => {
      const ctx = await setup();
      const res = await vault.api().post('/v1/connect-sessions').set(bearer(ctx.project.key)).send({
        provider: 'microsoft-onedrive',
        tenantId: 'org_o',
        credentialFor: 'installation',
        mode: 'redirect',
        returnTo: 'https://evil.example.test/steal',
      });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('return_to_not_allowed');

      const token = await install(ctx, 'org_o', { mode: 'redirect', returnTo: `${APP_ORIGIN}/done` });
      await vault
        .api()
        .patch(`/v1/apps/${ctx.appId}`)
        .set(bearer(ctx.project.key))
        .send({ allowedOrigins: ['https://new.example.test'] })
        .expect(200);
      const reply = await new FlowBrowser(vault, t).install(token, SEED.contoso.admin.upn);
      // The origin left the allow-list meanwhile: no redirect there, a page posting only to allowed origins.
      expect(reply.status).toBe(200);
      expect(reply.location).toBeUndefined();
      expect(popupData(reply.text).origins).toEqual(['https://new.example.test']);
      expect(reply.text).not.toMatch(/postMessage\([^)]*['"]\*['"]/);
    });
  });

  describe(AdminConsentService.name, () => {
    it('marks the app misconfigured with the remediation when its secret has expired', async () => {
      const ctx = await setup();
      t.emulator.store.setSecretExpiry(
        ctx.registered.clientId,
        ctx.registered.secretId,
        new Date(t.clock.nowMs - 60_000),
      );
      const before = await countRows(vault);
      const minted = await install(ctx, 'org_exp2');
      const reply = await new FlowBrowser(vault, t).install(await install(ctx, 'org_exp'), SEED.contoso.admin.upn);
      failed(reply.text, 'microsoft_error');
      expect(reply.text).toContain('AADSTS7000222');
      expect(reply.text).not.toContain(ctx.registered.secret);
      expect(await countRows(vault)).toEqual(before);
      const app = await vault.db.prisma.providerApp.findUniqueOrThrow({ where: { id: ctx.appId } });
      expect(app).toMatchObject({ status: 'misconfigured', statusAadsts: 7000222 });
      expect(app.statusRemediation).toContain('expired');
      const refused = await vault
        .api()
        .post('/v1/connect-sessions')
        .set(bearer(ctx.project.key))
        .send({ provider: 'microsoft-onedrive', tenantId: 'org_exp', credentialFor: 'installation' });
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({
        code: 'app_misconfigured',
        remediation: expect.stringContaining('expired'),
      });
      // A session minted before the failure now stops on an explained page, before any redirect.
      const page = await new FlowBrowser(vault, t).open(`/connect/microsoft-onedrive?session=${minted}`);
      expect(page.status).toBe(409);
      expect(page.headers.location).toBeUndefined();
      failed(page.text, 'app_misconfigured');
      expect(page.text).toContain('has expired');
    });

    it('marks the app misconfigured when its certificate key is not the registered one', async () => {
      const stranger = await createClientCertificate('not-registered', t.clock.date());
      const ctx = await setup({ credential: { certificate: stranger } });
      const before = await countRows(vault);
      const reply = await new FlowBrowser(vault, t).install(await install(ctx, 'org_cert'), SEED.contoso.admin.upn);
      failed(reply.text, 'microsoft_error');
      expect(reply.text).not.toContain(stranger.privateKeyPem.split('\n')[1]);
      expect(await countRows(vault)).toEqual(before);
      expect(await vault.db.prisma.providerApp.findUniqueOrThrow({ where: { id: ctx.appId } })).toMatchObject({
        status: 'misconfigured',
      });
    });

    it('explains a denied admin consent and a SharePoint site that does not exist', async () => {
      const ctx = await setup();
      const before = await countRows(vault);
      const browser = new FlowBrowser(vault, t);
      const signedIn = await browser.callback(
        '/oauth/callback',
        await browser.signIn(await browser.start(await install(ctx, 'org_d')), SEED.contoso.admin.upn),
      );
      const denied = await browser.consent(signedIn, SEED.contoso.admin.upn, 'deny');
      failed(denied.text, 'admin_consent_denied');
      const site = await install(ctx, 'org_d', {
        resource: { kind: 'site', url: 'https://contoso.sharepoint.com/sites/DoesNotExist' },
      });
      const missing = await new FlowBrowser(vault, t).install(site, SEED.contoso.admin.upn);
      expect(missing.status).toBe(404);
      failed(missing.text, 'resource_not_found');
      expect(await countRows(vault)).toEqual(before);
    });
  });

  describe(UserAuthorizationService.name, () => {
    it('marks the app misconfigured when its secret is wrong', async () => {
      const registered = await anEmulatorApp(t);
      const ctx = await setup({ registered: { ...registered, secret: 'wrong~secret-value' } });
      const reply = await new FlowBrowser(vault, t).connect(await connect(ctx, 'org_w'), SEED.contoso.adele.upn);
      failed(reply.text, 'microsoft_error');
      expect(reply.text).toContain('AADSTS7000215');
      expect(await vault.db.prisma.providerApp.findUniqueOrThrow({ where: { id: ctx.appId } })).toMatchObject({
        status: 'misconfigured',
        statusAadsts: 7000215,
      });
    });

    it('refuses a user of directory B connecting into an installation of directory A', async () => {
      const ctx = await setup();
      await new FlowBrowser(vault, t).install(await install(ctx, 'org_a'), SEED.contoso.admin.upn);
      const before = await countRows(vault);
      const reply = await new FlowBrowser(vault, t).connect(await connect(ctx, 'org_a'), SEED.fabrikam.diego.upn);
      expect(reply.status).toBe(403);
      failed(reply.text, 'directory_mismatch');
      expect(await countRows(vault)).toEqual(before);
    });

    it('refuses a personal account where the organisation is installed', async () => {
      const ctx = await setup({ userAuthority: 'common' });
      await new FlowBrowser(vault, t).install(await install(ctx, 'org_p'), SEED.contoso.admin.upn);
      const before = await countRows(vault);
      const reply = await new FlowBrowser(vault, t).connect(await connect(ctx, 'org_p'), SEED.consumers.megan.upn);
      expect(reply.status).toBe(403);
      failed(reply.text, 'personal_account_not_allowed');
      expect(popupData(reply.text).result).toMatchObject({
        status: 'error',
        error: { code: 'personal_account_not_allowed' },
      });
      expect(await countRows(vault)).toEqual(before);
    });
  });
});
