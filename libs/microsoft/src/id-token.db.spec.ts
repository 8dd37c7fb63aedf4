import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudConfig } from './clouds';
import type { HttpClient } from './http';
import { IdTokenError, IdTokenVerifier, type VerifyIdTokenParams } from './id-token';
import { MicrosoftAuth } from './msal';
import {
  SEED,
  signInWithCode,
  customCloud,
  demoAppWithSecret,
  emulatorHttp,
  factoryFor,
  startTestEmulator,
  type RunningEmulator,
} from '../test/emulator-harness';

describe(IdTokenVerifier.name, () => {
  let emulator: RunningEmulator;
  let http: HttpClient;
  let base: VerifyIdTokenParams;

  beforeAll(async () => {
    emulator = await startTestEmulator();
    http = emulatorHttp(emulator);
    const cloud = customCloud(emulator);
    const app = demoAppWithSecret(cloud);
    const auth = new MicrosoftAuth(factoryFor(http));
    const signIn = await signInWithCode(auth, http, {
      app,
      authority: 'common',
      scopes: ['User.Read', 'offline_access'],
      upn: SEED.fabrikam.diego.upn,
    });
    const tokens = await signIn.redeem();
    const nonce = signIn.nonce;
    base = { idToken: tokens.idToken ?? '', cloud, authority: 'common', clientId: app.clientId, nonce };
  });
  afterAll(async () => {
    await http.close();
    await emulator.close();
  });

  async function reasonOf(params: VerifyIdTokenParams, now?: () => Date): Promise<string> {
    const error = await new IdTokenVerifier({ http, now }).verify(params).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdTokenError);
    return (error as IdTokenError).reason;
  }

  it("accepts a multi-tenant token whose issuer carries the token's own tid", async () => {
    const claims = await new IdTokenVerifier({ http }).verify(base);
    expect(claims).toMatchObject({
      tid: SEED.fabrikam.tenantId,
      oid: SEED.fabrikam.diego.id,
      iss: `${emulator.baseUrl}/${SEED.fabrikam.tenantId}/v2.0`,
    });
  });

  it('refuses another nonce, another client, and another directory than expected', async () => {
    expect(await reasonOf({ ...base, nonce: 'nonce-of-another-sign-in' })).toBe('nonce_mismatch');
    expect(await reasonOf({ ...base, clientId: SEED.fabrikamApp.clientId })).toBe('invalid_audience');
    expect(await reasonOf({ ...base, expectedTenantId: SEED.contoso.tenantId })).toBe('tenant_mismatch');
  });

  it('refuses an expired token by the injected clock, beyond the tolerance', async () => {
    const later = new Date(Date.now() + 3 * 3600 * 1000);
    expect(await reasonOf(base, () => later)).toBe('expired');
  });

  it('refuses a token whose issuer is not the configured cloud', async () => {
    const other: CloudConfig = {
      name: 'custom',
      loginUrl: emulator.baseUrl.replace('127.0.0.1', 'localhost'),
      graphUrl: emulator.baseUrl,
    };
    expect(await reasonOf({ ...base, cloud: other })).toBe('invalid_issuer');
  });

  it('refuses a token with a tampered signature', async () => {
    const [header, payload, signature] = base.idToken.split('.');
    const tampered = `${header}.${payload}.${signature.slice(0, -6)}AAAAAA`;
    expect(await reasonOf({ ...base, idToken: tampered })).toBe('invalid_signature');
  });
});
