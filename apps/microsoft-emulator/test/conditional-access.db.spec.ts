import { randomUUID } from 'node:crypto';
import { InteractionRequiredAuthError } from '@azure/msal-node';
import { describe, expect, it } from 'vitest';
import { SEED } from '../src/directory/seed';
import { completeSignIn, customAuthorityApp } from './support/emulator-fixture';
import { useTestEmulator } from './support/emulator-suite';
import { cachedRefreshToken, control, failureOf, forcedRefresh, signInWithMsal } from './support/msal-sign-in';

const C = SEED.contoso;

// Codes and names: https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes
describe('Conditional Access and MFA enrollment seen through msal-node', () => {
  const t = useTestEmulator({ resetBeforeEach: true });

  async function addPolicy(users: string[] | 'all', policyControl: Record<string, unknown>): Promise<string> {
    const res = await control(t, '/conditional-access/policies', 'POST', {
      tenantId: C.tenantId,
      users,
      control: policyControl,
    });
    expect(res.status, res.body).toBe(201);
    return (JSON.parse(res.body) as { id: string }).id;
  }

  describe('AADSTS53003 (blocked by Conditional Access)', () => {
    it('refuses the refresh of an assigned user with invalid_grant and suberror message_only, in the standard error body', async () => {
      const app = customAuthorityApp(t);
      const { account } = await signInWithMsal(t, app, C.adele.upn);
      await addPolicy([C.adele.id], { kind: 'block' });
      const error = await failureOf(forcedRefresh(app, account!));
      // msal classes message_only as needing interaction.
      expect(error).toBeInstanceOf(InteractionRequiredAuthError);
      expect(error).toMatchObject({ errorCode: 'invalid_grant', errorNo: 53003, subError: 'message_only' });

      const correlationId = randomUUID();
      const raw = await t.http.send(`${t.emulator.baseUrl}/${C.tenantId}/oauth2/v2.0/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'client-request-id': correlationId },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          client_id: SEED.demoApp.clientId,
          client_secret: SEED.demoApp.secretValue,
          refresh_token: cachedRefreshToken(app),
        }).toString(),
      });
      expect(raw.status).toBe(400);
      const body = JSON.parse(raw.body) as Record<string, unknown>;
      expect(body).toMatchObject({
        error: 'invalid_grant',
        error_codes: [53003],
        suberror: 'message_only',
        correlation_id: correlationId,
        trace_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/),
        error_uri: `https://${t.host}/error?code=53003`,
      });
      expect(body.error_description).toMatch(
        /^AADSTS53003: Access has been blocked by Conditional Access policies\. .*\r\nTrace ID: .*\r\nCorrelation ID: .*\r\nTimestamp: /s,
      );
    });

    it('blocks every user of the tenant for an all-users policy, refuses them on the sign-in page, and lifts with the policy', async () => {
      const app = customAuthorityApp(t);
      const { account } = await signInWithMsal(t, app, C.alex.upn);
      const policyId = await addPolicy('all', { kind: 'block' });
      expect((await failureOf(forcedRefresh(app, account!))).errorNo).toBe(53003);
      const page = await signInWithMsal(t, app, C.alex.upn);
      expect(page.signIn.status).toBe(403);
      expect(page.signIn.location).toBeNull();
      expect(page.signIn.page).toContain('AADSTS53003');
      // Another tenant's users are untouched.
      const fabrikam = await signInWithMsal(t, customAuthorityApp(t, {}, 'organizations'), SEED.fabrikam.diego.upn);
      expect(fabrikam.result?.tenantId).toBe(SEED.fabrikam.tenantId);
      expect((await control(t, `/conditional-access/policies/${policyId}`, 'DELETE')).status).toBe(204);
      await expect(forcedRefresh(app, account!)).resolves.toMatchObject({ fromCache: false });
    });
  });

  describe('AADSTS70043 (sign-in frequency)', () => {
    it('refuses refresh once the last interactive sign-in is older than the frequency, however often the token was refreshed', async () => {
      const app = customAuthorityApp(t);
      const { account } = await signInWithMsal(t, app, C.adele.upn);
      await addPolicy('all', { kind: 'signInFrequency', seconds: 3600 });
      await control(t, '/clock/advance', 'POST', { seconds: 1800 });
      await expect(forcedRefresh(app, account!)).resolves.toMatchObject({ fromCache: false });
      // The rotated refresh token keeps the original sign-in time.
      await control(t, '/clock/advance', 'POST', { seconds: 1801 });
      const error = await failureOf(forcedRefresh(app, account!));
      expect(error).toMatchObject({ errorCode: 'invalid_grant', errorNo: 70043 });
      expect(error.errorMessage).toContain(
        'due to sign-in frequency checks by conditional access. The token was issued on',
      );
      expect(error.errorMessage).toContain('the maximum allowed lifetime for this request is 01:00:00');
      const again = await signInWithMsal(t, app, C.adele.upn);
      await expect(forcedRefresh(app, again.account!)).resolves.toMatchObject({ fromCache: false });
    });
  });

  describe('AADSTS50079 (MFA enrollment required)', () => {
    it('asks a user who must use MFA but has no method to enroll (interaction_required); the next sign-in enrolls', async () => {
      const app = customAuthorityApp(t);
      const { account } = await signInWithMsal(t, app, C.adele.upn);
      const patched = await control(t, `/users/${C.tenantId}/${C.adele.id}`, 'PATCH', {
        mfaRequired: true,
        mfaRegistered: false,
      });
      expect(JSON.parse(patched.body)).toMatchObject({ mfaRequired: true, mfaRegistered: false });
      const error = await failureOf(forcedRefresh(app, account!));
      expect(error).toBeInstanceOf(InteractionRequiredAuthError);
      expect(error).toMatchObject({ errorCode: 'interaction_required', errorNo: 50079 });
      expect(error.errorMessage).toContain('you must enroll in multi-factor authentication');
      const again = await signInWithMsal(t, app, C.adele.upn);
      await expect(forcedRefresh(app, again.account!)).resolves.toMatchObject({ fromCache: false });
      expect(t.emulator.store.findUser(C.tenantId, C.adele.id)?.mfaRegistered).toBe(true);
    });

    it('keeps AADSTS50076 (basic_action) for a user who has a method registered', async () => {
      const app = customAuthorityApp(t);
      const { account } = await signInWithMsal(t, app, C.alex.upn);
      await control(t, `/users/${C.tenantId}/${C.alex.id}`, 'PATCH', { mfaRequired: true });
      expect(await failureOf(forcedRefresh(app, account!))).toMatchObject({ errorNo: 50076, subError: 'basic_action' });
    });
  });

  describe('AADSTS90094 (admin approval required)', () => {
    const adminConsentUrl = `/${C.tenantId}/v2.0/adminconsent?client_id=${SEED.demoApp.clientId}&redirect_uri=${encodeURIComponent('http://localhost:3000/oauth/admin-consent/callback')}&scope=${encodeURIComponent('https://graph.microsoft.com/.default')}`;

    it('shows a user who may not consent "Need admin approval", whose way out returns a bare cancel', async () => {
      expect((await control(t, `/tenants/${C.tenantId}`, 'PATCH', { usersCanConsent: false })).status).toBe(200);
      const app = customAuthorityApp(t);
      const url = await app.getAuthCodeUrl({
        scopes: ['Files.ReadWrite.All', 'offline_access'],
        redirectUri: 'http://localhost:3000/oauth/callback',
        state: 'st-9',
      });
      const page = await completeSignIn(t.http, url, C.alex.upn);
      expect(page.status).toBe(403);
      expect(page.location).toBeNull();
      expect(page.page).toContain('Need admin approval');
      expect(page.page).toContain('AADSTS90094');
      expect(t.emulator.store.findUserConsent(C.tenantId, C.alex.id, SEED.demoApp.clientId)).toBeUndefined();
      const requestId = /name="request" value="([^"]+)"/.exec(page.page)?.[1] as string;
      const action = /<form method="post" action="([^"]+)"/.exec(page.page)?.[1] as string;
      expect(page.page).toContain('Return to the application without granting consent');
      const back = await t.http.send(`${t.emulator.baseUrl}${action}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ request: requestId, login: C.alex.upn, action: 'deny' }).toString(),
      });
      const location = new URL(back.headers.location);
      expect(Object.fromEntries(location.searchParams)).toEqual({
        error: 'access_denied',
        error_subcode: 'cancel',
        state: 'st-9',
      });
    });

    it('lets an administrator consent for themself, and the users in once an admin consented for the tenant', async () => {
      await control(t, `/tenants/${C.tenantId}`, 'PATCH', { usersCanConsent: false });
      const admin = await signInWithMsal(t, customAuthorityApp(t), C.admin.upn);
      expect(admin.result?.account?.username).toBe(C.admin.upn);
      const consent = await completeSignIn(t.http, `${t.emulator.baseUrl}${adminConsentUrl}`, C.admin.upn);
      expect(new URL(consent.location as string).searchParams.get('admin_consent')).toBe('True');
      const alex = await signInWithMsal(t, customAuthorityApp(t), C.alex.upn);
      expect(alex.result?.account?.username).toBe(C.alex.upn);
    });

    it('does not stop a user who consented before the setting changed', async () => {
      await signInWithMsal(t, customAuthorityApp(t), C.adele.upn);
      await control(t, `/tenants/${C.tenantId}`, 'PATCH', { usersCanConsent: false });
      const again = await signInWithMsal(t, customAuthorityApp(t), C.adele.upn);
      expect(again.signIn.status).toBe(302);
      expect(again.result?.accessToken).toBeTruthy();
    });
  });
});
