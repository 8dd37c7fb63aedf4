import { randomUUID } from 'node:crypto';
import { ConfidentialClientApplication, ServerError } from '@azure/msal-node';
import { importPKCS8, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { SEED } from '../src/directory/seed';
import { MsalNetworkClient } from './support/https-client';
import { customAuthorityApp, demoCertificateCredential, verifyWithJwks } from './support/emulator-fixture';
import { useTestEmulator } from './support/emulator-suite';

const GRAPH_DEFAULT = ['https://graph.microsoft.com/.default'];
const C = SEED.contoso;

describe('client credentials with unmodified msal-node', () => {
  const t = useTestEmulator({ resetBeforeEach: true });

  async function serverError(promise: Promise<unknown>): Promise<ServerError> {
    const error = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ServerError);
    return error as ServerError;
  }

  const tokenUrl = (tenant: string) => `${t.emulator.baseUrl}/${tenant}/oauth2/v2.0/token`;
  const postForm = (url: string, form: Record<string, string>) =>
    t.http.send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });

  it('issues an app-only token with the consented roles for a secret', async () => {
    const result = await customAuthorityApp(t).acquireTokenByClientCredential({ scopes: GRAPH_DEFAULT });
    const claims = await verifyWithJwks(t, result?.accessToken as string, C.tenantId, {
      issuer: `https://sts.windows.net/${C.tenantId}/`,
      audience: 'https://graph.microsoft.com',
    });
    expect(claims).toMatchObject({ tid: C.tenantId, appid: SEED.demoApp.clientId, idtyp: 'app', appidacr: '1' });
    expect(claims.roles).toEqual(expect.arrayContaining(['Files.ReadWrite.All', 'Sites.ReadWrite.All']));
    expect(claims.scp).toBeUndefined();
  });

  it('accepts a certificate assertion signed PS256 with x5t#S256, and reuses it as msal does', async () => {
    const app = customAuthorityApp(t, { clientSecret: undefined, clientCertificate: demoCertificateCredential(t) });
    const first = await app.acquireTokenByClientCredential({ scopes: GRAPH_DEFAULT, skipCache: true });
    const second = await app.acquireTokenByClientCredential({ scopes: GRAPH_DEFAULT, skipCache: true });
    expect(second?.accessToken).not.toBe(first?.accessToken);
    const claims = await verifyWithJwks(t, first?.accessToken as string, C.tenantId, {
      issuer: `https://sts.windows.net/${C.tenantId}/`,
      audience: 'https://graph.microsoft.com',
    });
    expect(claims.appidacr).toBe('2');
  });

  it('accepts a certificate assertion signed RS256 with x5t (SHA-1)', async () => {
    const app = customAuthorityApp(t, {
      clientSecret: undefined,
      clientCertificate: demoCertificateCredential(t, true),
    });
    await expect(app.acquireTokenByClientCredential({ scopes: GRAPH_DEFAULT })).resolves.toMatchObject({
      tokenType: 'Bearer',
    });
  });

  it('answers a wrong secret with AADSTS7000215 and HTTP 401', async () => {
    const error = await serverError(
      customAuthorityApp(t, { clientSecret: 'wrong-secret' }).acquireTokenByClientCredential({ scopes: GRAPH_DEFAULT }),
    );
    expect(error.errorNo).toBe(7000215);
    expect(error.errorCode).toBe('invalid_client');
    const raw = await postForm(tokenUrl(C.tenantId), {
      grant_type: 'client_credentials',
      client_id: SEED.demoApp.clientId,
      client_secret: 'wrong',
      scope: GRAPH_DEFAULT[0],
    });
    expect(raw.status).toBe(401);
    const body = JSON.parse(raw.body) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual([
      'correlation_id',
      'error',
      'error_codes',
      'error_description',
      'error_uri',
      'timestamp',
      'trace_id',
    ]);
    expect(body.error_description).toMatch(
      /^AADSTS7000215: .*\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/s,
    );
    expect(raw.body).not.toContain('wrong');
  });

  it('answers an expired secret with AADSTS7000222', async () => {
    await t.http.send(
      `${t.emulator.baseUrl}/_emulator/apps/${SEED.demoApp.clientId}/secrets/${SEED.demoApp.secretId}/expire`,
      { method: 'POST' },
    );
    const error = await serverError(customAuthorityApp(t).acquireTokenByClientCredential({ scopes: GRAPH_DEFAULT }));
    expect(error.errorNo).toBe(7000222);
  });

  it('accepts a rotated secret and refuses the old one', async () => {
    const rotated = JSON.parse(
      (
        await t.http.send(
          `${t.emulator.baseUrl}/_emulator/apps/${SEED.demoApp.clientId}/secrets/${SEED.demoApp.secretId}/rotate`,
          { method: 'POST' },
        )
      ).body,
    ) as { value: string };
    await expect(
      customAuthorityApp(t, { clientSecret: rotated.value }).acquireTokenByClientCredential({ scopes: GRAPH_DEFAULT }),
    ).resolves.toBeTruthy();
    expect(
      (await serverError(customAuthorityApp(t).acquireTokenByClientCredential({ scopes: GRAPH_DEFAULT }))).errorNo,
    ).toBe(7000215);
  });

  it('answers AADSTS700016 in a tenant where nobody consented to the app', async () => {
    const error = await serverError(
      customAuthorityApp(t, {}, SEED.fabrikam.tenantId).acquireTokenByClientCredential({ scopes: GRAPH_DEFAULT }),
    );
    expect(error.errorNo).toBe(700016);
  });

  it('answers AADSTS700016 for an unknown client id', async () => {
    const error = await serverError(
      customAuthorityApp(t, { clientId: randomUUID() }).acquireTokenByClientCredential({ scopes: GRAPH_DEFAULT }),
    );
    expect(error.errorNo).toBe(700016);
  });

  it('answers AADSTS90002 for an unknown tenant', async () => {
    const raw = await postForm(tokenUrl('nowhere.example'), {
      grant_type: 'client_credentials',
      client_id: SEED.demoApp.clientId,
      client_secret: SEED.demoApp.secretValue,
      scope: GRAPH_DEFAULT[0],
    });
    expect(raw.status).toBe(400);
    expect(JSON.parse(raw.body)).toMatchObject({ error: 'invalid_request', error_codes: [90002] });
  });

  it('requires a real tenant (AADSTS50059 on /organizations) and a /.default scope (AADSTS1002012)', async () => {
    const form = {
      grant_type: 'client_credentials',
      client_id: SEED.demoApp.clientId,
      client_secret: SEED.demoApp.secretValue,
    };
    const common = await postForm(tokenUrl('organizations'), { ...form, scope: GRAPH_DEFAULT[0] });
    expect(JSON.parse(common.body)).toMatchObject({ error_codes: [50059] });
    const named = await postForm(tokenUrl(C.tenantId), { ...form, scope: 'Files.Read.All' });
    expect(JSON.parse(named.body)).toMatchObject({ error: 'invalid_scope', error_codes: [1002012] });
  });

  describe('client assertion checks', () => {
    async function assertion(claims: Record<string, unknown>, header: Record<string, string> = {}): Promise<string> {
      const credential = demoCertificateCredential(t);
      const key = await importPKCS8(t.emulator.demoAppCertificate.privateKeyPem, 'PS256');
      const x5tS256 = Buffer.from(credential.thumbprintSha256 as string, 'hex').toString('base64url');
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({
        aud: tokenUrl(C.tenantId),
        iss: SEED.demoApp.clientId,
        sub: SEED.demoApp.clientId,
        jti: randomUUID(),
        nbf: now,
        exp: now + 600,
        ...claims,
      })
        .setProtectedHeader({ alg: 'PS256', typ: 'JWT', 'x5t#S256': x5tS256, ...header })
        .sign(key);
    }
    const redeem = async (jwt: string) =>
      JSON.parse(
        (
          await postForm(tokenUrl(C.tenantId), {
            grant_type: 'client_credentials',
            client_id: SEED.demoApp.clientId,
            client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
            client_assertion: jwt,
            scope: GRAPH_DEFAULT[0],
          })
        ).body,
      ) as { error_codes?: number[]; access_token?: string };

    it('refuses another audience, issuer, an expired assertion, an unknown certificate and a jti reused in another assertion', async () => {
      expect(
        (await redeem(await assertion({ aud: 'https://login.microsoftonline.com/x/oauth2/v2.0/token' }))).error_codes,
      ).toEqual([50027]);
      expect((await redeem(await assertion({ iss: randomUUID() }))).error_codes).toEqual([700021]);
      const past = Math.floor(Date.now() / 1000) - 3600;
      expect((await redeem(await assertion({ nbf: past - 600, exp: past }))).error_codes).toEqual([700024]);
      expect(
        (await redeem(await assertion({}, { 'x5t#S256': Buffer.alloc(32).toString('base64url') }))).error_codes,
      ).toEqual([700027]);
      const jti = randomUUID();
      const once = await assertion({ jti });
      expect((await redeem(once)).access_token).toBeDefined();
      expect((await redeem(once)).access_token).toBeDefined();
      expect((await redeem(await assertion({ jti, exp: Math.floor(Date.now() / 1000) + 500 }))).error_codes).toEqual([
        50027,
      ]);
    });
  });

  it('resolves a verified domain as the authority tenant', async () => {
    const app = new ConfidentialClientApplication({
      auth: {
        clientId: SEED.demoApp.clientId,
        clientSecret: SEED.demoApp.secretValue,
        authority: `${t.emulator.baseUrl}/${C.domains[1]}`,
        knownAuthorities: [t.host],
      },
      system: { networkClient: new MsalNetworkClient(t.http) },
    });
    const result = await app.acquireTokenByClientCredential({ scopes: GRAPH_DEFAULT });
    const claims = await verifyWithJwks(t, result?.accessToken as string, C.domains[1], {
      issuer: `https://sts.windows.net/${C.tenantId}/`,
      audience: 'https://graph.microsoft.com',
    });
    expect(claims.tid).toBe(C.tenantId);
  });
});
