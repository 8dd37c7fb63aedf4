import { describe, expect, it } from 'vitest';
import { SEED } from '../src/directory/seed';
import { completeSignIn, customAuthorityApp, verifyWithJwks } from './support/emulator-fixture';
import { useTestEmulator } from './support/emulator-suite';

const F = SEED.fabrikam;
const CALLBACK = 'http://localhost:3000/oauth/admin-consent/callback';

describe('admin consent (/{tenant}/v2.0/adminconsent)', () => {
  const t = useTestEmulator({ resetBeforeEach: true });

  const consentUrl = (tenant: string) =>
    `${t.emulator.baseUrl}/${tenant}/v2.0/adminconsent?client_id=${SEED.demoApp.clientId}&redirect_uri=${encodeURIComponent(CALLBACK)}&state=xyz&scope=${encodeURIComponent('https://graph.microsoft.com/.default')}`;

  it('redirects with admin_consent=True, the tenant GUID, scope and state, after which client credentials work there', async () => {
    const result = await completeSignIn(t.http, consentUrl('fabrikam.onmicrosoft.com'), F.admin.upn);
    expect(result.status).toBe(302);
    const location = new URL(result.location as string);
    expect(`${location.origin}${location.pathname}`).toBe(CALLBACK);
    expect(Object.fromEntries(location.searchParams)).toEqual({
      admin_consent: 'True',
      tenant: F.tenantId,
      scope: 'https://graph.microsoft.com/.default',
      state: 'xyz',
    });
    const token = await customAuthorityApp(t, {}, F.tenantId).acquireTokenByClientCredential({
      scopes: ['https://graph.microsoft.com/.default'],
    });
    const claims = await verifyWithJwks(t, token?.accessToken as string, F.tenantId, {
      issuer: `https://sts.windows.net/${F.tenantId}/`,
      audience: 'https://graph.microsoft.com',
    });
    expect(claims.roles).toEqual(expect.arrayContaining(['Files.ReadWrite.All']));
  });

  it('refuses a user who is not an administrator and records no consent', async () => {
    const result = await completeSignIn(t.http, consentUrl(F.tenantId), F.diego.upn);
    expect(result.status).toBe(403);
    expect(result.location).toBeNull();
    expect(result.page).toContain('needs admin approval');
    expect(t.emulator.store.findAdminConsent(F.tenantId, SEED.demoApp.clientId)).toBeUndefined();
  });

  it('redirects a cancelled consent with access_denied and the state', async () => {
    const result = await completeSignIn(t.http, consentUrl(F.tenantId), F.admin.upn, 'deny');
    const location = new URL(result.location as string);
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('state')).toBe('xyz');
  });

  it('offers only the tenant’s own users', async () => {
    const page = (await t.http.send(consentUrl(F.tenantId))).body;
    expect(page).toContain(F.admin.upn);
    expect(page).not.toContain(SEED.contoso.admin.upn);
  });

  it('refuses /common: admin consent needs the tenant, reported to the (validated) redirect URI', async () => {
    const res = await t.http.send(consentUrl('common'));
    expect(res.status).toBe(302);
    const location = new URL(res.headers.location);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('state')).toBe('xyz');
  });

  // https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-client-creds-grant-flow#request-the-permissions-from-a-directory-admin
  describe('the older /{tenant}/adminconsent path', () => {
    const v1Url = (tenant: string) =>
      `${t.emulator.baseUrl}/${tenant}/adminconsent?client_id=${SEED.demoApp.clientId}&state=12345&redirect_uri=${encodeURIComponent(CALLBACK)}`;

    it('takes no scope and redirects with tenant, state and admin_consent=True, after which client credentials work', async () => {
      expect(t.emulator.store.findAdminConsent(F.tenantId, SEED.demoApp.clientId)).toBeUndefined();
      const result = await completeSignIn(t.http, v1Url(F.tenantId), F.admin.upn);
      expect(result.status).toBe(302);
      const location = new URL(result.location as string);
      expect(`${location.origin}${location.pathname}`).toBe(CALLBACK);
      expect(Object.fromEntries(location.searchParams)).toEqual({
        admin_consent: 'True',
        tenant: F.tenantId,
        state: '12345',
      });
      const token = await customAuthorityApp(t, {}, F.tenantId).acquireTokenByClientCredential({
        scopes: ['https://graph.microsoft.com/.default'],
      });
      const claims = await verifyWithJwks(t, token?.accessToken as string, F.tenantId, {
        issuer: `https://sts.windows.net/${F.tenantId}/`,
        audience: 'https://graph.microsoft.com',
      });
      expect(claims.roles).toEqual(expect.arrayContaining(['Files.ReadWrite.All']));
    });

    it('accepts common, as the page documents, and names the admin’s own tenant', async () => {
      const page = (await t.http.send(v1Url('common'))).body;
      expect(page).toContain(F.admin.upn);
      expect(page).toContain(SEED.contoso.admin.upn);
      const result = await completeSignIn(t.http, v1Url('common'), F.admin.upn);
      expect(new URL(result.location as string).searchParams.get('tenant')).toBe(F.tenantId);
    });

    it('answers a cancel with permission_denied, as documented for this path', async () => {
      const result = await completeSignIn(t.http, v1Url(F.tenantId), F.admin.upn, 'deny');
      const location = new URL(result.location as string);
      expect(Object.fromEntries(location.searchParams)).toEqual({
        error: 'permission_denied',
        error_description: 'The admin canceled the request',
        state: '12345',
      });
      expect(t.emulator.store.findAdminConsent(F.tenantId, SEED.demoApp.clientId)).toBeUndefined();
    });

    it('refuses a user who is not an administrator', async () => {
      const result = await completeSignIn(t.http, v1Url(F.tenantId), F.diego.upn);
      expect(result.status).toBe(403);
      expect(result.page).toContain('needs admin approval');
      expect(t.emulator.store.findAdminConsent(F.tenantId, SEED.demoApp.clientId)).toBeUndefined();
    });

    it('shows AADSTS50011 on its own page for an unregistered redirect URI', async () => {
      const res = await t.http.send(
        `${t.emulator.baseUrl}/${F.tenantId}/adminconsent?client_id=${SEED.demoApp.clientId}&redirect_uri=${encodeURIComponent('https://evil.example/cb')}`,
      );
      expect(res.status).toBe(400);
      expect(res.headers.location).toBeUndefined();
      expect(res.body).toContain('AADSTS50011');
    });
  });
});
