import { beforeEach, describe, expect, it } from 'vitest';
import { parseCertificateCredential } from './certificates';
import { MicrosoftError } from './errors';
import { MicrosoftAuth } from './msal';
import type { MicrosoftApp } from './msal-client';
import { MsalClientFactory } from './msal-client';
import { SEED, demoAppWithSecret, useEmulatorSuite } from '../test/emulator-harness';

const GRAPH_DEFAULT = ['https://graph.microsoft.com/.default'];

describe(`${MicrosoftAuth.name} acquireAppToken`, () => {
  const t = useEmulatorSuite();
  let requests: number;

  beforeEach(() => {
    // Counts what reaches the wire: msal holds this very client, so the patch sees its requests.
    requests = 0;
    const send = t.http.request.bind(t.http);
    t.http.request = (req) => {
      requests += 1;
      return send(req);
    };
  });

  it("logs no false warning: msal's 'No client info in response' is silenced for app-only tokens", async () => {
    const lines: string[] = [];
    const auth = new MicrosoftAuth(
      new MsalClientFactory({ http: t.http, logger: (level, message) => lines.push(`${level} ${message}`) }),
    );
    const token = await auth.acquireAppToken({
      app: demoAppWithSecret(t.cloud),
      tenantId: SEED.contoso.tenantId,
      scopes: GRAPH_DEFAULT,
    });
    expect(token.fromCache).toBe(false);
    expect(lines.join('\n')).not.toContain('No client info');
  });

  it('gets an app-only token with the client secret and reuses it from msal cache', async () => {
    const app = demoAppWithSecret(t.cloud);
    const token = await t.auth.acquireAppToken({ app, tenantId: SEED.contoso.tenantId, scopes: GRAPH_DEFAULT });
    expect(token.tenantId).toBe(SEED.contoso.tenantId);
    expect(token.fromCache).toBe(false);
    const again = await t.auth.acquireAppToken({ app, tenantId: SEED.contoso.tenantId, scopes: GRAPH_DEFAULT });
    expect(again.fromCache).toBe(true);
    expect(again.accessToken).toBe(token.accessToken);
    const fresh = await t.auth.acquireAppToken({
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
        certificatePem: t.emulator.demoAppCertificate.certificatePem,
        privateKeyPem: t.emulator.demoAppCertificate.privateKeyPem,
      },
      new Date(),
    );
    const app: MicrosoftApp = {
      clientId: SEED.demoApp.clientId,
      cloud: t.cloud,
      credential: {
        clientCertificate: { thumbprintSha256: cert.thumbprintSha256, privateKey: cert.privateKeyPem, x5c: cert.x5c },
      },
    };
    const token = await t.auth.acquireAppToken({ app, tenantId: SEED.contoso.tenantId, scopes: GRAPH_DEFAULT });
    expect(token.accessToken.split('.')).toHaveLength(3);
  });

  it('refuses common, organizations and consumers before any request', async () => {
    const app = demoAppWithSecret(t.cloud);
    for (const tenantId of ['common', 'organizations', 'consumers']) {
      const failure = await t.auth.acquireAppToken({ app, tenantId, scopes: GRAPH_DEFAULT }).catch((e: unknown) => e);
      expect((failure as MicrosoftError).failure).toMatchObject({
        kind: 'misconfigured',
        error: 'missing_tenant_id_error',
      });
    }
    expect(requests).toBe(0);
  });

  it('classifies a wrong secret as AADSTS7000215 misconfigured with HTTP 401', async () => {
    const app = demoAppWithSecret(t.cloud, 'wrong-secret-value');
    const failure = await t.auth
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
    const secret = t.emulator.store.addSecret(SEED.demoApp.clientId, { expiresAt: new Date(Date.now() + 3_600_000) });
    const app = demoAppWithSecret(t.cloud, secret.value);
    await t.auth.acquireAppToken({ app, tenantId: SEED.contoso.tenantId, scopes: GRAPH_DEFAULT });
    t.emulator.store.setSecretExpiry(SEED.demoApp.clientId, secret.id, new Date(Date.now() - 1000));
    const failure = await t.auth
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
    const app = demoAppWithSecret(t.cloud);
    const failure = await t.auth
      .acquireAppToken({ app, tenantId: SEED.fabrikam.tenantId, scopes: GRAPH_DEFAULT })
      .catch((e: unknown) => e);
    expect((failure as MicrosoftError).failure).toMatchObject({ kind: 'revoked', aadsts: 700016 });
  });
});
