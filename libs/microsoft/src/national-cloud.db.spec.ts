import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveCloud, type CloudConfig } from './clouds';
import { GraphClient } from './graph';
import { HttpClient } from './http';
import { IdTokenVerifier } from './id-token';
import { MicrosoftAuth } from './msal';
import {
  SEED,
  signInWithCode,
  demoAppWithSecret,
  factoryFor,
  startTestEmulator,
  type RunningEmulator,
} from '../test/emulator-harness';

// The real national-cloud hosts, connected to the emulator through the endpoint override: msal
// and Graph use https://login.microsoftonline.us and https://graph.microsoft.us unchanged.
describe('national cloud through routes', () => {
  let emulator: RunningEmulator;
  let http: HttpClient;
  const cloud: CloudConfig = { name: 'usgov-l4' };
  const us = resolveCloud(cloud);
  // National clouds are separate directories: the emulator's US Government tenant, not Contoso.
  const gov = SEED.usGov;

  beforeAll(async () => {
    emulator = await startTestEmulator();
    http = new HttpClient({
      caCertificates: [emulator.caCertPem],
      routes: { [us.loginHost]: emulator.baseUrl, [new URL(us.graphUrl).host]: emulator.baseUrl },
    });
  });
  afterAll(async () => {
    await http.close();
    await emulator.close();
  });

  it('runs the code flow, verifies the id_token issuer of the cloud, and calls its Graph', async () => {
    const auth = new MicrosoftAuth(factoryFor(http));
    const app = demoAppWithSecret(cloud);
    const scopes = [`${us.graphResource}/User.Read`, 'offline_access'];
    const signIn = await signInWithCode(auth, http, {
      app,
      authority: gov.tenantId,
      scopes,
      upn: gov.grace.upn,
    });
    expect(new URL(signIn.url).origin).toBe('https://login.microsoftonline.us');
    const tokens = await signIn.redeem();
    const nonce = signIn.nonce;
    const claims = await new IdTokenVerifier({ http }).verify({
      idToken: tokens.idToken ?? '',
      cloud,
      authority: gov.tenantId,
      clientId: app.clientId,
      nonce,
      expectedTenantId: gov.tenantId,
    });
    expect(claims.iss).toBe(`https://login.microsoftonline.us/${gov.tenantId}/v2.0`);
    const me = await new GraphClient(http).getMe({ cloud, accessToken: tokens.accessToken });
    expect(me.id).toBe(gov.grace.id);
    const refreshed = await auth.refresh({
      app,
      authority: gov.tenantId,
      refreshToken: tokens.refreshToken ?? '',
      scopes,
    });
    expect(refreshed.rotated).toBe(true);
  });

  it('gets an app-only token for the cloud Graph resource', async () => {
    const auth = new MicrosoftAuth(factoryFor(http));
    const token = await auth.acquireAppToken({
      app: demoAppWithSecret(cloud),
      tenantId: gov.tenantId,
      scopes: [us.graphDefaultScope],
    });
    const drive = await new GraphClient(http).getUserDrive({ cloud, accessToken: token.accessToken }, gov.grace.upn);
    expect(drive.driveType).toBe('business');
  });
});
