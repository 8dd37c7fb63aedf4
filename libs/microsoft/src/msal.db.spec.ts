import { describe, expect, it } from 'vitest';
import { IdTokenVerifier } from './id-token';
import { MicrosoftError } from './errors';
import { MicrosoftAuth } from './msal';
import { createPkcePair } from './pkce';
import { REDIRECT_URI, SEED, completeSignIn, demoAppWithSecret, useEmulatorSuite } from '../test/emulator-harness';

const USER_SCOPES = ['User.Read', 'Files.ReadWrite.All', 'offline_access'];

describe(MicrosoftAuth.name, () => {
  const t = useEmulatorSuite();

  async function signIn(upn: string, tenant = 'organizations') {
    const app = demoAppWithSecret(t.cloud);
    const pkce = createPkcePair();
    const state = 'state-0123456789abcdef';
    const nonce = 'nonce-0123456789abcdef';
    const url = await t.auth.buildAuthCodeUrl({
      app,
      authority: tenant,
      redirectUri: REDIRECT_URI,
      scopes: USER_SCOPES,
      state,
      codeChallenge: pkce.codeChallenge,
      nonce,
    });
    const query = await completeSignIn(t.http, url, upn);
    return { app, pkce, state, nonce, query, url };
  }

  describe('redeemCode', () => {
    it('returns the account and a refresh token read from the token cache', async () => {
      const { app, pkce, nonce, query, state } = await signIn(SEED.contoso.adele.upn);
      expect(query.get('state')).toBe(state);
      const tokens = await t.auth.redeemCode({
        app,
        authority: 'organizations',
        redirectUri: REDIRECT_URI,
        scopes: USER_SCOPES,
        code: query.get('code') ?? '',
        codeVerifier: pkce.codeVerifier,
        nonce,
      });
      expect(tokens.account).toMatchObject({
        oid: SEED.contoso.adele.id,
        tid: SEED.contoso.tenantId,
        upn: SEED.contoso.adele.upn,
      });
      expect(tokens.refreshToken).toEqual(expect.any(String));
      expect(tokens.refreshToken?.length).toBeGreaterThan(10);
      expect(tokens.expiresOn.getTime()).toBeGreaterThan(Date.now());
      const verifier = new IdTokenVerifier({ http: t.http });
      const claims = await verifier.verify({
        idToken: tokens.idToken ?? '',
        cloud: app.cloud,
        authority: 'organizations',
        clientId: app.clientId,
        nonce,
        expectedTenantId: SEED.contoso.tenantId,
      });
      expect(claims.oid).toBe(SEED.contoso.adele.id);
    });
  });

  describe('refresh', () => {
    it('returns a rotated refresh token that itself refreshes', async () => {
      const { app, pkce, nonce, query } = await signIn(SEED.contoso.alex.upn);
      const first = await t.auth.redeemCode({
        app,
        authority: 'organizations',
        redirectUri: REDIRECT_URI,
        scopes: USER_SCOPES,
        code: query.get('code') ?? '',
        codeVerifier: pkce.codeVerifier,
        nonce,
      });
      const second = await t.auth.refresh({
        app,
        authority: 'organizations',
        refreshToken: first.refreshToken ?? '',
        scopes: USER_SCOPES,
      });
      expect(second.rotated).toBe(true);
      expect(second.refreshToken).not.toBe(first.refreshToken);
      const third = await t.auth.refresh({
        app,
        authority: 'organizations',
        refreshToken: second.refreshToken,
        scopes: USER_SCOPES,
      });
      expect(third.refreshToken).not.toBe(second.refreshToken);
      expect(third.account.oid).toBe(SEED.contoso.alex.id);
    });
  });
});

describe(`${MicrosoftAuth.name} failures`, () => {
  const t = useEmulatorSuite();

  async function connect(upn: string) {
    const app = demoAppWithSecret(t.cloud);
    const pkce = createPkcePair();
    const nonce = 'nonce-0123456789abcdef';
    const url = await t.auth.buildAuthCodeUrl({
      app,
      authority: 'organizations',
      redirectUri: REDIRECT_URI,
      scopes: USER_SCOPES,
      state: 'state-0123456789abcdef',
      codeChallenge: pkce.codeChallenge,
      nonce,
    });
    const code = (await completeSignIn(t.http, url, upn)).get('code') ?? '';
    const redeem = () =>
      t.auth.redeemCode({
        app,
        authority: 'organizations',
        redirectUri: REDIRECT_URI,
        scopes: USER_SCOPES,
        code,
        codeVerifier: pkce.codeVerifier,
        nonce,
      });
    return { app, redeem };
  }

  it('classifies a refresh after the user sessions were revoked as AADSTS50173 revoked', async () => {
    const { app, redeem } = await connect(SEED.contoso.adele.upn);
    const tokens = await redeem();
    t.emulator.store.revokeSignInSessions(SEED.contoso.tenantId, SEED.contoso.adele.id);
    const failure = await t.auth
      .refresh({ app, authority: 'organizations', refreshToken: tokens.refreshToken ?? '', scopes: USER_SCOPES })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MicrosoftError);
    expect((failure as MicrosoftError).failure).toMatchObject({
      kind: 'revoked',
      aadsts: 50173,
      error: 'invalid_grant',
      action: 'reauthorize',
      httpStatus: 400,
    });
    expect((failure as MicrosoftError).message).not.toContain(tokens.refreshToken ?? '');
  });

  it('classifies a second redemption of one code as AADSTS54005', async () => {
    const { redeem } = await connect(SEED.contoso.alex.upn);
    await redeem();
    const failure = await redeem().catch((e: unknown) => e);
    expect((failure as MicrosoftError).failure).toMatchObject({
      kind: 'needs_reauth',
      aadsts: 54005,
      action: 'reauthorize',
    });
  });

  it('refuses a code redeemed with another PKCE verifier', async () => {
    const app = demoAppWithSecret(t.cloud);
    const pkce = createPkcePair();
    const nonce = 'nonce-0123456789abcdef';
    const url = await t.auth.buildAuthCodeUrl({
      app,
      authority: 'organizations',
      redirectUri: REDIRECT_URI,
      scopes: USER_SCOPES,
      state: 'state-0123456789abcdef',
      codeChallenge: pkce.codeChallenge,
      nonce,
    });
    const code = (await completeSignIn(t.http, url, SEED.contoso.alex.upn)).get('code') ?? '';
    const failure = await t.auth
      .redeemCode({
        app,
        authority: 'organizations',
        redirectUri: REDIRECT_URI,
        scopes: USER_SCOPES,
        code,
        codeVerifier: createPkcePair().codeVerifier,
        nonce,
      })
      .catch((e: unknown) => e);
    expect((failure as MicrosoftError).failure).toMatchObject({
      kind: 'needs_reauth',
      error: 'invalid_grant',
      action: 'reauthorize',
    });
  });
});
