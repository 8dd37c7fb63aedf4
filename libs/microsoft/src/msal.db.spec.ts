import { describe, expect, it } from 'vitest';
import { IdTokenVerifier } from './id-token';
import { MicrosoftError } from './errors';
import { MicrosoftAuth } from './msal';
import { createPkcePair } from './pkce';
import { REDIRECT_URI, SEED, demoAppWithSecret, signInWithCode, useEmulatorSuite } from '../test/emulator-harness';

const USER_SCOPES = ['User.Read', 'Files.ReadWrite.All', 'offline_access'];

describe(MicrosoftAuth.name, () => {
  const t = useEmulatorSuite();

  async function signIn(upn: string) {
    const app = demoAppWithSecret(t.cloud);
    return {
      app,
      ...(await signInWithCode(t.auth, t.http, { app, authority: 'organizations', scopes: USER_SCOPES, upn })),
    };
  }

  describe('redeemCode', () => {
    it('returns the account and a refresh token read from the token cache', async () => {
      const { app, nonce, query, state, redeem } = await signIn(SEED.contoso.adele.upn);
      expect(query.get('state')).toBe(state);
      const tokens = await redeem();
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
      const { app, redeem } = await signIn(SEED.contoso.alex.upn);
      const first = await redeem();
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
    const signIn = await signInWithCode(t.auth, t.http, { app, authority: 'organizations', scopes: USER_SCOPES, upn });
    return { app, signIn, redeem: signIn.redeem };
  }

  it('classifies a refresh after the user sessions were revoked as AADSTS50173 needs_reauth', async () => {
    const { app, redeem } = await connect(SEED.contoso.adele.upn);
    const tokens = await redeem();
    t.emulator.store.revokeSignInSessions(SEED.contoso.tenantId, SEED.contoso.adele.id);
    const failure = await t.auth
      .refresh({ app, authority: 'organizations', refreshToken: tokens.refreshToken ?? '', scopes: USER_SCOPES })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MicrosoftError);
    expect((failure as MicrosoftError).failure).toMatchObject({
      kind: 'needs_reauth',
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
    const { app, signIn } = await connect(SEED.contoso.alex.upn);
    const failure = await t.auth
      .redeemCode({
        app,
        authority: 'organizations',
        redirectUri: REDIRECT_URI,
        scopes: USER_SCOPES,
        code: signIn.code,
        codeVerifier: createPkcePair().codeVerifier,
        nonce: signIn.nonce,
      })
      .catch((e: unknown) => e);
    expect((failure as MicrosoftError).failure).toMatchObject({
      kind: 'needs_reauth',
      error: 'invalid_grant',
      action: 'reauthorize',
    });
  });
});
