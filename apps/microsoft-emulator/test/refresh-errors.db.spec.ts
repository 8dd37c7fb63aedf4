import {
  AuthError,
  InteractionRequiredAuthError,
  type AccountInfo,
  type ConfidentialClientApplication,
} from '@azure/msal-node';
import { describe, expect, it } from 'vitest';
import { SEED } from '../src/directory/seed';
import { completeSignIn, customAuthorityApp, pkce } from './support/emulator-fixture';
import { useTestEmulator } from './support/emulator-suite';

const REDIRECT = 'http://localhost:3000/oauth/callback';
const SCOPES = ['Files.ReadWrite.All', 'offline_access'];
const C = SEED.contoso;

describe('refresh token failures seen through msal-node', () => {
  const t = useTestEmulator({ resetBeforeEach: true });

  async function signedIn(upn: string): Promise<{ app: ConfidentialClientApplication; account: AccountInfo }> {
    const app = customAuthorityApp(t);
    const { verifier, challenge } = pkce();
    const url = await app.getAuthCodeUrl({
      scopes: SCOPES,
      redirectUri: REDIRECT,
      codeChallenge: challenge,
      codeChallengeMethod: 'S256',
    });
    const signIn = await completeSignIn(t.http, url, upn);
    const code = new URL(signIn.location as string).searchParams.get('code') as string;
    const result = await app.acquireTokenByCode({
      code,
      codeVerifier: verifier,
      redirectUri: REDIRECT,
      scopes: SCOPES,
    });
    return { app, account: result.account as AccountInfo };
  }

  // msal-node raises InteractionRequiredAuthError for the codes that need the user back, ServerError otherwise.
  async function refreshError(
    app: ConfidentialClientApplication,
    account: AccountInfo,
  ): Promise<AuthError & { errorNo?: string | number; subError: string }> {
    const error = await app.acquireTokenSilent({ account, scopes: ['Files.ReadWrite.All'], forceRefresh: true }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AuthError);
    return error as AuthError & { errorNo?: string | number; subError: string };
  }

  const control = (path: string, method: string, body?: unknown) =>
    t.http.send(`${t.emulator.baseUrl}/_emulator${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });

  it('fails with AADSTS700082 once the refresh token was unused for 90 days', async () => {
    const { app, account } = await signedIn(C.adele.upn);
    await control('/clock/advance', 'POST', { seconds: 91 * 24 * 3600 });
    expect((await refreshError(app, account)).errorNo).toBe(700082);
  });

  it('keeps working when the token is used within 90 days', async () => {
    const { app, account } = await signedIn(C.adele.upn);
    await control('/clock/advance', 'POST', { seconds: 89 * 24 * 3600 });
    await expect(
      app.acquireTokenSilent({ account, scopes: ['Files.ReadWrite.All'], forceRefresh: true }),
    ).resolves.toMatchObject({ fromCache: false });
  });

  it('fails with AADSTS50173 after the user’s sessions are revoked', async () => {
    const { app, account } = await signedIn(C.adele.upn);
    t.emulator.clock.advance(1000);
    expect((await control(`/users/${C.tenantId}/${C.adele.id}/revoke`, 'POST')).status).toBe(200);
    const error = await refreshError(app, account);
    expect(error.errorNo).toBe(50173);
    expect(error.errorCode).toBe('invalid_grant');
  });

  it('fails with AADSTS65001 after the user’s consent is removed', async () => {
    const { app, account } = await signedIn(C.alex.upn);
    expect(
      (await control(`/consents/users/${C.tenantId}/${C.alex.id}/${SEED.demoApp.clientId}`, 'DELETE')).status,
    ).toBe(204);
    const error = await refreshError(app, account);
    expect(error).toBeInstanceOf(InteractionRequiredAuthError);
    expect(error.errorNo).toBe(65001);
  });

  it('fails with AADSTS50076 and suberror basic_action when MFA becomes required, until the user signs in again', async () => {
    const { app, account } = await signedIn(C.adele.upn);
    await control(`/users/${C.tenantId}/${C.adele.id}`, 'PATCH', { mfaRequired: true });
    const error = await refreshError(app, account);
    expect(error).toBeInstanceOf(InteractionRequiredAuthError);
    expect(error.errorNo).toBe(50076);
    expect(error.subError).toBe('basic_action');
    const again = await signedIn(C.adele.upn);
    await expect(
      again.app.acquireTokenSilent({ account: again.account, scopes: ['Files.ReadWrite.All'], forceRefresh: true }),
    ).resolves.toMatchObject({ fromCache: false });
  });

  it('logs token requests by grant type without codes or tokens', async () => {
    await signedIn(C.adele.upn);
    const log = JSON.parse((await control('/requests', 'GET')).body) as {
      value: { path: string; grantType: string | null; status: number }[];
    };
    const token = log.value.find((e) => e.grantType === 'authorization_code');
    expect(token).toMatchObject({ path: `/${C.tenantId}/oauth2/v2.0/token`, status: 200 });
    expect(JSON.stringify(log)).not.toMatch(/1\.A[A-Za-z0-9_-]{20}/);
  });
});
