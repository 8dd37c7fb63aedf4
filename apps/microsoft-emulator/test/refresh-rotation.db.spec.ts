import { InteractionRequiredAuthError, ServerError } from '@azure/msal-node';
import { describe, expect, it } from 'vitest';
import { SEED } from '../src/directory/seed';
import { customAuthorityApp } from './support/emulator-fixture';
import { useTestEmulator } from './support/emulator-suite';
import { cachedRefreshToken, control, failureOf, signInWithMsal } from './support/msal-sign-in';

const C = SEED.contoso;
const TOKEN_PATH = `/${C.tenantId}/oauth2/v2.0/token`;

// Default: https://learn.microsoft.com/en-us/entra/identity-platform/refresh-tokens#token-lifetime
// (a refresh token is replaced on use; the old one is not revoked). Strict rotation is a fault.
describe('refresh token rotation through msal-node', () => {
  const t = useTestEmulator({ resetBeforeEach: true });

  /** Redeems a refresh token with a fresh msal instance; resolves to the successor msal received. */
  async function redeem(refreshToken: string): Promise<string> {
    const app = customAuthorityApp(t);
    // forceCache: msal keeps a refresh-token response only for an account it already knows, unless asked.
    await app.acquireTokenByRefreshToken({ refreshToken, scopes: ['Files.ReadWrite.All'], forceCache: true });
    return cachedRefreshToken(app);
  }

  async function firstRefreshToken(): Promise<string> {
    const app = customAuthorityApp(t);
    await signInWithMsal(t, app, C.adele.upn);
    return cachedRefreshToken(app);
  }

  const setRotation = (mode: string) => control(t, '/refresh-tokens/rotation', 'PUT', { mode });

  it('keeps a redeemed refresh token working by default, as Microsoft documents', async () => {
    expect(JSON.parse((await control(t, '/refresh-tokens/rotation', 'GET')).body)).toEqual({ mode: 'microsoft' });
    const first = await firstRefreshToken();
    const second = await redeem(first);
    expect(second).not.toBe(first);
    await expect(redeem(first)).resolves.toMatch(/^1\.A/);
    await expect(redeem(second)).resolves.toMatch(/^1\.A/);
  });

  it('under strict rotation refuses a refresh token that has a successor with AADSTS70000 invalid_grant', async () => {
    expect(JSON.parse((await setRotation('strict')).body)).toEqual({ mode: 'strict' });
    const first = await firstRefreshToken();
    const second = await redeem(first);
    const error = await failureOf(redeem(first));
    expect(error).toBeInstanceOf(ServerError);
    expect(error).not.toBeInstanceOf(InteractionRequiredAuthError);
    expect(error).toMatchObject({ errorCode: 'invalid_grant', errorNo: 70000 });
    expect(error.errorMessage).toContain('AADSTS70000: Provided grant is invalid or malformed.');
    // The newest token still works, and it in turn is superseded by its own successor.
    const third = await redeem(second);
    expect((await failureOf(redeem(second))).errorNo).toBe(70000);
    await expect(redeem(third)).resolves.toMatch(/^1\.A/);
  });

  it('makes a lost rotation visible: the reply carrying the successor is lost, the old token no longer works', async () => {
    const first = await firstRefreshToken();
    const loseNextReply = () => control(t, '/faults', 'POST', { kind: 'reply_lost', pathPrefix: TOKEN_PATH, count: 1 });

    // Microsoft's behaviour forgives a client that kept the old token after a lost reply…
    await loseNextReply();
    await expect(redeem(first)).rejects.toThrow();
    await expect(redeem(first)).resolves.toMatch(/^1\.A/);

    // …strict rotation does not, so a test of "no rotated refresh token is ever lost" can fail.
    await setRotation('strict');
    const current = await firstRefreshToken();
    await loseNextReply();
    await expect(redeem(current)).rejects.toThrow();
    expect((await failureOf(redeem(current))).errorNo).toBe(70000);
  });

  it('lets exactly one of two concurrent redemptions of one token succeed under strict rotation', async () => {
    await setRotation('strict');
    const first = await firstRefreshToken();
    const outcomes = await Promise.allSettled([redeem(first), redeem(first)]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const rejected = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect((rejected?.reason as ServerError).errorNo).toBe(70000);
  });

  it('refuses an unknown mode and goes back to Microsoft’s behaviour on reset', async () => {
    expect((await setRotation('sometimes')).status).toBe(400);
    await setRotation('strict');
    expect((await control(t, '/reset', 'POST')).status).toBe(204);
    expect(JSON.parse((await control(t, '/refresh-tokens/rotation', 'GET')).body)).toEqual({ mode: 'microsoft' });
  });
});
