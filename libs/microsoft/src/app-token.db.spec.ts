import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseCertificateCredential } from './certificates';
import { MicrosoftError } from './errors';
import type { HttpClient } from './http';
import { MicrosoftAuth } from './msal';
import type { MicrosoftApp } from './msal-client';
import {
  SEED,
  customCloud,
  demoAppWithSecret,
  emulatorHttp,
  factoryFor,
  startTestEmulator,
  type RunningEmulator,
} from '../test/emulator-harness';

const GRAPH_DEFAULT = ['https://graph.microsoft.com/.default'];

describe(`${MicrosoftAuth.name} acquireAppToken`, () => {
  let emulator: RunningEmulator;
  let http: HttpClient;
  let auth: MicrosoftAuth;
  let requests: number;

  beforeAll(async () => {
    emulator = await startTestEmulator();
  });
  afterAll(async () => {
    await emulator.close();
  });
  beforeEach(() => {
    http = emulatorHttp(emulator);
    requests = 0;
    const send = http.request.bind(http);
    http.request = (req) => {
      requests += 1;
      return send(req);
    };
    auth = new MicrosoftAuth(factoryFor(http));
    return () => http.close();
  });

  it('gets an app-only token with the client secret and reuses it from msal cache', async () => {
    const app = demoAppWithSecret(customCloud(emulator));
    const token = await auth.acquireAppToken({ app, tenantId: SEED.contoso.tenantId, scopes: GRAPH_DEFAULT });
    expect(token.tenantId).toBe(SEED.contoso.tenantId);
    expect(token.fromCache).toBe(false);
    const again = await auth.acquireAppToken({ app, tenantId: SEED.contoso.tenantId, scopes: GRAPH_DEFAULT });
    expect(again.fromCache).toBe(true);
    expect(again.accessToken).toBe(token.accessToken);
    const fresh = await auth.acquireAppToken({
      app,
      tenantId: SEED.contoso.tenantId,
      scopes: GRAPH_DEFAULT,
      skipCache: true,
    });
    expect(fresh.fromCache).toBe(false);
  });

  it('gets an app-only token with the certificate credential', async () => {
    const cert = parseCertificateCredential(
      {
        certificatePem: emulator.demoAppCertificate.certificatePem,
        privateKeyPem: emulator.demoAppCertificate.privateKeyPem,
      },
      new Date(),
    );
    const app: MicrosoftApp = {
      clientId: SEED.demoApp.clientId,
      cloud: customCloud(emulator),
      credential: {
        clientCertificate: { thumbprintSha256: cert.thumbprintSha256, privateKey: cert.privateKeyPem, x5c: cert.x5c },
      },
    };
    const token = await auth.acquireAppToken({ app, tenantId: SEED.contoso.tenantId, scopes: GRAPH_DEFAULT });
    expect(token.accessToken.split('.')).toHaveLength(3);
  });

  it('refuses common, organizations and consumers before any request', async () => {
    const app = demoAppWithSecret(customCloud(emulator));
    for (const tenantId of ['common', 'organizations', 'consumers']) {
      const failure = await auth.acquireAppToken({ app, tenantId, scopes: GRAPH_DEFAULT }).catch((e: unknown) => e);
      expect((failure as MicrosoftError).failure).toMatchObject({
        kind: 'misconfigured',
        error: 'missing_tenant_id_error',
      });
    }
    expect(requests).toBe(0);
  });

  it('classifies a wrong secret as AADSTS7000215 misconfigured with HTTP 401', async () => {
    const app = demoAppWithSecret(customCloud(emulator), 'wrong-secret-value');
    const failure = await auth
      .acquireAppToken({ app, tenantId: SEED.contoso.tenantId, scopes: GRAPH_DEFAULT })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MicrosoftError);
    expect((failure as MicrosoftError).failure).toMatchObject({
      kind: 'misconfigured',
      aadsts: 7000215,
      error: 'invalid_client',
      action: 'fix_app_credentials',
      httpStatus: 401,
    });
    expect((failure as MicrosoftError).message).not.toContain('wrong-secret-value');
  });

  it('classifies an expired secret as AADSTS7000222', async () => {
    const secret = emulator.store.addSecret(SEED.demoApp.clientId, { expiresAt: new Date(Date.now() + 3_600_000) });
    const app = demoAppWithSecret(customCloud(emulator), secret.value);
    await auth.acquireAppToken({ app, tenantId: SEED.contoso.tenantId, scopes: GRAPH_DEFAULT });
    emulator.store.setSecretExpiry(SEED.demoApp.clientId, secret.id, new Date(Date.now() - 1000));
    const failure = await auth
      .acquireAppToken({ app, tenantId: SEED.contoso.tenantId, scopes: GRAPH_DEFAULT, skipCache: true })
      .catch((e: unknown) => e);
    expect((failure as MicrosoftError).failure).toMatchObject({
      kind: 'misconfigured',
      aadsts: 7000222,
      action: 'fix_app_credentials',
    });
    expect((failure as MicrosoftError).failure.remediation).toContain('expired');
  });

  it('classifies a directory the app is not installed in as AADSTS700016', async () => {
    const app = demoAppWithSecret(customCloud(emulator));
    const failure = await auth
      .acquireAppToken({ app, tenantId: SEED.fabrikam.tenantId, scopes: GRAPH_DEFAULT })
      .catch((e: unknown) => e);
    expect((failure as MicrosoftError).failure).toMatchObject({ kind: 'misconfigured', aadsts: 700016 });
  });
});
