import { ServerError } from '@azure/msal-node';
import { describe, expect, it } from 'vitest';
import { ROLE_TEMPLATES } from '../src/directory/directory.types';
import { SEED } from '../src/directory/seed';
import { completeSignIn, customAuthorityApp, pkce, verifyWithJwks } from './support/emulator-fixture';
import { useTestEmulator } from './support/emulator-suite';

const REDIRECT = 'http://localhost:3000/oauth/callback';
const SCOPES = ['Files.ReadWrite.All', 'offline_access'];

describe('authorization code flow with unmodified msal-node', () => {
  const t = useTestEmulator();

  async function signIn(
    upn: string,
    options: { state?: string; nonce?: string } = {},
  ): Promise<{ code: string; verifier: string; location: URL }> {
    const { verifier, challenge } = pkce();
    const url = await customAuthorityApp(t).getAuthCodeUrl({
      scopes: SCOPES,
      redirectUri: REDIRECT,
      codeChallenge: challenge,
      codeChallengeMethod: 'S256',
      state: options.state ?? 'st-1',
      nonce: options.nonce,
      loginHint: upn,
    });
    const result = await completeSignIn(t.http, url, upn);
    expect(result.status).toBe(302);
    const location = new URL(result.location as string);
    return { code: location.searchParams.get('code') as string, verifier, location };
  }

  async function errorOf(promise: Promise<unknown>): Promise<ServerError> {
    const error = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ServerError);
    return error as ServerError;
  }

  it('redirects with a code and the echoed state, then redeems it for verified tokens', async () => {
    const { code, verifier, location } = await signIn(SEED.contoso.adele.upn, { state: 'state <&> 1', nonce: 'n-123' });
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
    expect(location.searchParams.get('state')).toBe('state <&> 1');
    const app = customAuthorityApp(t);
    // msal checks the id_token's nonce against the request's and the state against the payload's.
    const payload = { code, state: location.searchParams.get('state') as string };
    const request = {
      code,
      codeVerifier: verifier,
      redirectUri: REDIRECT,
      scopes: SCOPES,
      nonce: 'n-123',
      state: 'state <&> 1',
    };
    const result = await app.acquireTokenByCode(request, payload);
    expect(result.account?.username).toBe(SEED.contoso.adele.upn);
    expect(result.tenantId).toBe(SEED.contoso.tenantId);
    const access = await verifyWithJwks(t, result.accessToken, SEED.contoso.tenantId, {
      issuer: `https://sts.windows.net/${SEED.contoso.tenantId}/`,
      audience: 'https://graph.microsoft.com',
    });
    expect(access).toMatchObject({
      tid: SEED.contoso.tenantId,
      oid: SEED.contoso.adele.id,
      appid: SEED.demoApp.clientId,
      ver: '1.0',
    });
    expect(String(access.scp).split(' ')).toContain('Files.ReadWrite.All');
    const id = await verifyWithJwks(t, result.idToken, SEED.contoso.tenantId, {
      issuer: `${t.emulator.baseUrl}/${SEED.contoso.tenantId}/v2.0`,
      audience: SEED.demoApp.clientId,
    });
    expect(id).toMatchObject({
      oid: SEED.contoso.adele.id,
      preferred_username: SEED.contoso.adele.upn,
      nonce: 'n-123',
      tid: SEED.contoso.tenantId,
    });
    await expect(t.emulator.context.verifier.verify(result.accessToken, 'global')).resolves.toMatchObject({
      oid: SEED.contoso.adele.id,
    });
  });

  it('puts directory roles (wids) in the tokens only when the manifest asks for them', async () => {
    const roles = async (upn: string) => {
      const { code, verifier } = await signIn(upn);
      const result = await customAuthorityApp(t).acquireTokenByCode({
        code,
        codeVerifier: verifier,
        redirectUri: REDIRECT,
        scopes: SCOPES,
      });
      const id = await verifyWithJwks(t, result.idToken, SEED.contoso.tenantId, {
        issuer: `${t.emulator.baseUrl}/${SEED.contoso.tenantId}/v2.0`,
        audience: SEED.demoApp.clientId,
      });
      const access = await verifyWithJwks(t, result.accessToken, SEED.contoso.tenantId, {
        issuer: `https://sts.windows.net/${SEED.contoso.tenantId}/`,
        audience: 'https://graph.microsoft.com',
      });
      expect(access.wids).toEqual(id.wids);
      return id.wids;
    };
    // The seeded demo app sets groupMembershipClaims to DirectoryRole.
    expect(await roles(SEED.contoso.admin.upn)).toEqual([ROLE_TEMPLATES.globalAdministrator, ROLE_TEMPLATES.user]);
    expect(await roles(SEED.contoso.adele.upn)).toEqual([ROLE_TEMPLATES.user]);
    const demo = t.emulator.store.findApp(SEED.demoApp.clientId)!;
    demo.groupMembershipClaims = 'None';
    try {
      expect(await roles(SEED.contoso.admin.upn)).toBeUndefined();
    } finally {
      demo.groupMembershipClaims = 'DirectoryRole';
    }
  });

  it('refreshes through acquireTokenSilent with forceRefresh and through acquireTokenByRefreshToken', async () => {
    const { code, verifier } = await signIn(SEED.contoso.alex.upn);
    const app = customAuthorityApp(t);
    const first = await app.acquireTokenByCode({ code, codeVerifier: verifier, redirectUri: REDIRECT, scopes: SCOPES });
    const silent = await app.acquireTokenSilent({
      account: first.account!,
      scopes: ['Files.ReadWrite.All'],
      forceRefresh: true,
    });
    expect(silent.accessToken).not.toBe(first.accessToken);
    expect(silent.fromCache).toBe(false);
    const cache = JSON.parse(app.getTokenCache().serialize()) as { RefreshToken: Record<string, { secret: string }> };
    const refreshToken = Object.values(cache.RefreshToken)[0]?.secret;
    const byRefresh = await customAuthorityApp(t).acquireTokenByRefreshToken({
      refreshToken,
      scopes: ['Files.ReadWrite.All'],
    });
    expect(byRefresh?.account?.homeAccountId).toBe(`${SEED.contoso.alex.id}.${SEED.contoso.tenantId}`);
  });

  it('keeps the old refresh token valid after rotation', async () => {
    const { code, verifier } = await signIn(SEED.contoso.adele.upn);
    const body = await t.http.send(`${t.emulator.baseUrl}/${SEED.contoso.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: SEED.demoApp.clientId,
        client_secret: SEED.demoApp.secretValue,
        code,
        code_verifier: verifier,
        redirect_uri: REDIRECT,
        scope: SCOPES.join(' '),
      }).toString(),
    });
    const first = JSON.parse(body.body) as {
      refresh_token: string;
      token_type: string;
      expires_in: number;
      ext_expires_in: number;
      client_info: string;
    };
    expect(first).toMatchObject({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599 });
    expect(JSON.parse(Buffer.from(first.client_info, 'base64url').toString())).toEqual({
      uid: SEED.contoso.adele.id,
      utid: SEED.contoso.tenantId,
    });
    const refresh = (token: string) =>
      t.http.send(`${t.emulator.baseUrl}/${SEED.contoso.tenantId}/oauth2/v2.0/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          client_id: SEED.demoApp.clientId,
          client_secret: SEED.demoApp.secretValue,
          refresh_token: token,
        }).toString(),
      });
    const rotated = JSON.parse((await refresh(first.refresh_token)).body) as { refresh_token: string };
    expect(rotated.refresh_token).not.toBe(first.refresh_token);
    expect((await refresh(first.refresh_token)).status).toBe(200);
    expect((await refresh(rotated.refresh_token)).status).toBe(200);
  });

  it('refuses a second redemption of the same code with AADSTS54005', async () => {
    const { code, verifier } = await signIn(SEED.contoso.adele.upn);
    await customAuthorityApp(t).acquireTokenByCode({
      code,
      codeVerifier: verifier,
      redirectUri: REDIRECT,
      scopes: SCOPES,
    });
    const error = await errorOf(
      customAuthorityApp(t).acquireTokenByCode({ code, codeVerifier: verifier, redirectUri: REDIRECT, scopes: SCOPES }),
    );
    expect(error.errorNo).toBe(54005);
    expect(error.errorCode).toBe('invalid_grant');
  });

  it('refuses a wrong code verifier with AADSTS501481', async () => {
    const { code } = await signIn(SEED.contoso.adele.upn);
    const error = await errorOf(
      customAuthorityApp(t).acquireTokenByCode({
        code,
        codeVerifier: pkce().verifier,
        redirectUri: REDIRECT,
        scopes: SCOPES,
      }),
    );
    expect(error.errorNo).toBe(501481);
  });

  it('refuses a code redeemed with another redirect URI than the authorize request’s with AADSTS50011', async () => {
    const { code, verifier } = await signIn(SEED.contoso.adele.upn);
    // A registered redirect URI, just not the one the code was issued for.
    const other = 'http://localhost:3000/oauth/admin-consent/callback';
    const error = await errorOf(
      customAuthorityApp(t).acquireTokenByCode({ code, codeVerifier: verifier, redirectUri: other, scopes: SCOPES }),
    );
    expect(error.errorNo).toBe(50011);
    expect(error.errorCode).toBe('invalid_client');
    expect(error.errorMessage).toContain(`The reply address '${other}' does not match the reply address '${REDIRECT}'`);
    expect(error.errorMessage).toMatch(/Trace ID: [0-9a-f-]{36}/);
  });

  it('keeps AADSTS70000 for a code redeemed by another client', async () => {
    const { code, verifier } = await signIn(SEED.contoso.adele.upn);
    const fabrikamApp = customAuthorityApp(t, {
      clientId: SEED.fabrikamApp.clientId,
      clientSecret: SEED.fabrikamApp.secretValue,
    });
    const error = await errorOf(
      fabrikamApp.acquireTokenByCode({ code, codeVerifier: verifier, redirectUri: REDIRECT, scopes: SCOPES }),
    );
    expect(error.errorNo).toBe(70000);
    expect(error.errorCode).toBe('invalid_grant');
  });

  it('expires a code after ten minutes with AADSTS70008', async () => {
    const { code, verifier } = await signIn(SEED.contoso.adele.upn);
    t.emulator.clock.advance(11 * 60 * 1000);
    const error = await errorOf(
      customAuthorityApp(t).acquireTokenByCode({ code, codeVerifier: verifier, redirectUri: REDIRECT, scopes: SCOPES }),
    );
    expect(error.errorNo).toBe(70008);
  });

  it('redirects a declined consent with access_denied and the state', async () => {
    const url = await customAuthorityApp(t).getAuthCodeUrl({
      scopes: SCOPES,
      redirectUri: REDIRECT,
      state: 'abc',
      codeChallenge: pkce().challenge,
      codeChallengeMethod: 'S256',
    });
    const result = await completeSignIn(t.http, url, SEED.contoso.adele.upn, 'deny');
    const location = new URL(result.location as string);
    expect(location.searchParams.get('error')).toBe('access_denied');
    expect(location.searchParams.get('error_description')).toMatch(/^AADSTS65004:/);
    expect(location.searchParams.get('state')).toBe('abc');
  });

  it('refuses PKCE plain with a redirected invalid_request', async () => {
    const url = new URL(`${t.emulator.baseUrl}/common/oauth2/v2.0/authorize`);
    url.search = new URLSearchParams({
      client_id: SEED.demoApp.clientId,
      response_type: 'code',
      redirect_uri: REDIRECT,
      scope: 'openid',
      state: 's',
      code_challenge: pkce().verifier,
      code_challenge_method: 'plain',
    }).toString();
    const res = await t.http.send(url.toString());
    expect(res.status).toBe(302);
    const location = new URL(res.headers.location);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('state')).toBe('s');
  });

  it('shows AADSTS700016 and AADSTS50011 on its own page instead of redirecting', async () => {
    const base = `${t.emulator.baseUrl}/common/oauth2/v2.0/authorize?response_type=code&scope=openid`;
    const unknownClient = await t.http.send(
      `${base}&client_id=00000000-0000-4000-8000-000000000000&redirect_uri=${encodeURIComponent(REDIRECT)}`,
    );
    expect(unknownClient.status).toBe(400);
    expect(unknownClient.headers.location).toBeUndefined();
    expect(unknownClient.body).toContain('AADSTS700016');
    const badRedirect = await t.http.send(
      `${base}&client_id=${SEED.demoApp.clientId}&redirect_uri=${encodeURIComponent('https://evil.example/cb')}`,
    );
    expect(badRedirect.status).toBe(400);
    expect(badRedirect.headers.location).toBeUndefined();
    expect(badRedirect.body).toContain('AADSTS50011');
    expect(badRedirect.body).not.toContain('<script');
  });

  it('escapes request values on the sign-in page', async () => {
    const url = `${t.emulator.baseUrl}/common/oauth2/v2.0/authorize?client_id=${SEED.demoApp.clientId}&response_type=code&redirect_uri=${encodeURIComponent(REDIRECT)}&scope=${encodeURIComponent('<script>x</script>')}&login_hint=${encodeURIComponent('"><img>')}`;
    const page = await t.http.send(url);
    expect(page.status).toBe(200);
    expect(page.body).not.toContain('<script>x</script>');
    expect(page.body).toContain('&lt;script&gt;');
  });

  it('lists only personal accounts on /consumers and only work accounts on /organizations', async () => {
    const page = async (tenant: string) =>
      (
        await t.http.send(
          `${t.emulator.baseUrl}/${tenant}/oauth2/v2.0/authorize?client_id=${SEED.demoApp.clientId}&response_type=code&redirect_uri=${encodeURIComponent(REDIRECT)}&scope=openid`,
        )
      ).body;
    const consumers = await page('consumers');
    expect(consumers).toContain(SEED.consumers.megan.upn);
    expect(consumers).not.toContain(SEED.contoso.adele.upn);
    const organizations = await page('organizations');
    expect(organizations).toContain(SEED.fabrikam.diego.upn);
    expect(organizations).not.toContain(SEED.consumers.megan.upn);
  });
});
