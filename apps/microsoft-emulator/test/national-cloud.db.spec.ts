import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ConfidentialClientApplication } from '@azure/msal-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED } from '../src/directory/seed';
import { HttpsClient, MsalNetworkClient } from './support/https-client';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { completeSignIn, pkce } from './support/emulator-fixture';
import { useTestEmulator } from './support/emulator-suite';

const C = SEED.contoso;
const GOV = SEED.usGov;
const CN = SEED.china;
const run = promisify(execFile);

describe('reaching the emulator', () => {
  const t = useTestEmulator();
  let routed: HttpsClient;
  beforeAll(() => {
    routed = new HttpsClient({
      caCertPem: t.emulator.caCertPem,
      routeToPort: Number(new URL(t.emulator.baseUrl).port),
    });
  });
  afterAll(() => {
    routed.close();
  });

  /** Way (b): the real authority of a national cloud, with msal's network client routing its hosts to the emulator. */
  function nationalApp(loginHost: string, tenantId: string): ConfidentialClientApplication {
    return new ConfidentialClientApplication({
      auth: {
        clientId: SEED.demoApp.clientId,
        clientSecret: SEED.demoApp.secretValue,
        authority: `https://${loginHost}/${tenantId}`,
      },
      system: { networkClient: new MsalNetworkClient(routed) },
    });
  }
  const usGovApp = (tenantId: string = GOV.tenantId) => nationalApp('login.microsoftonline.us', tenantId);

  /** JWKS fetched through the routed client, as a client of that cloud would. */
  async function verifyAtCloud(token: string, loginHost: string, tenantId: string, audience: string, issuer: string) {
    const jwks = JSON.parse(
      (await routed.send(`https://${loginHost}/${tenantId}/discovery/v2.0/keys`)).body,
    ) as JSONWebKeySet;
    return (await jwtVerify(token, createLocalJWKSet(jwks), { issuer, audience, algorithms: ['RS256'] })).payload;
  }

  it('issues US Government L5 (DoD) app-only tokens at the real login.microsoftonline.us authority', async () => {
    const result = await usGovApp().acquireTokenByClientCredential({
      scopes: ['https://dod-graph.microsoft.us/.default'],
    });
    const claims = await verifyAtCloud(
      result?.accessToken as string,
      'login.microsoftonline.us',
      GOV.tenantId,
      'https://dod-graph.microsoft.us',
      `https://login.microsoftonline.us/${GOV.tenantId}/`,
    );
    expect(claims.tid).toBe(GOV.tenantId);
    await expect(t.emulator.context.verifier.verify(result?.accessToken as string, 'usgov-l5')).resolves.toMatchObject({
      cloud: 'usgov-l5',
    });
    await expect(t.emulator.context.verifier.verify(result?.accessToken as string, 'global')).rejects.toThrow(
      'invalid audience',
    );
  });

  it('runs the code flow at the US Government authority with the id_token issued by that host', async () => {
    const app = usGovApp();
    const { verifier, challenge } = pkce();
    const redirectUri = 'http://localhost:3000/oauth/callback';
    const scopes = ['https://graph.microsoft.us/Files.Read', 'offline_access'];
    const url = await app.getAuthCodeUrl({
      scopes,
      redirectUri,
      codeChallenge: challenge,
      codeChallengeMethod: 'S256',
    });
    expect(url.startsWith('https://login.microsoftonline.us/')).toBe(true);
    const signIn = await completeSignIn(routed, url, GOV.grace.upn);
    const code = new URL(signIn.location as string).searchParams.get('code') as string;
    const result = await app.acquireTokenByCode({ code, codeVerifier: verifier, redirectUri, scopes });
    expect((result.idTokenClaims as { iss: string }).iss).toBe(`https://login.microsoftonline.us/${GOV.tenantId}/v2.0`);
    const access = await verifyAtCloud(
      result.accessToken,
      'login.microsoftonline.us',
      GOV.tenantId,
      'https://graph.microsoft.us',
      `https://login.microsoftonline.us/${GOV.tenantId}/`,
    );
    expect(access.scp).toContain('Files.Read');
  });

  it('issues China app-only tokens at login.chinacloudapi.cn for the China tenant', async () => {
    const result = await nationalApp('login.chinacloudapi.cn', CN.tenantId).acquireTokenByClientCredential({
      scopes: ['https://microsoftgraph.chinacloudapi.cn/.default'],
    });
    const claims = await verifyAtCloud(
      result?.accessToken as string,
      'login.chinacloudapi.cn',
      CN.tenantId,
      'https://microsoftgraph.chinacloudapi.cn',
      `https://sts.chinacloudapi.cn/${CN.tenantId}/`,
    );
    expect(claims.roles).toEqual(expect.arrayContaining(['Files.ReadWrite.All']));
  });

  it('refuses a global tenant at the US Government authority and a US Government tenant at the global one (AADSTS90002)', async () => {
    const errorOf = (promise: Promise<unknown>) =>
      promise.then(
        () => null,
        (e: unknown) => e as Error,
      );
    const atGov = await errorOf(
      usGovApp(C.tenantId).acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.us/.default'] }),
    );
    expect(atGov?.message).toContain('90002');
    const atGlobal = await errorOf(
      nationalApp('login.microsoftonline.com', GOV.tenantId).acquireTokenByClientCredential({
        scopes: ['https://graph.microsoft.com/.default'],
      }),
    );
    expect(atGlobal?.message).toContain('90002');
    const signInPage = await routed.send(
      `https://login.microsoftonline.us/organizations/oauth2/v2.0/authorize?client_id=${SEED.demoApp.clientId}&response_type=code&redirect_uri=${encodeURIComponent('http://localhost:3000/oauth/callback')}&scope=openid`,
    );
    // organizations at a national cloud lists only that cloud's accounts.
    expect(signInPage.body).toContain(GOV.grace.upn);
    expect(signInPage.body).not.toContain(C.adele.upn);
    expect(signInPage.body).not.toContain(CN.li.upn);
  });

  it('serves msal-node’s default fetch client once the CA is trusted through NODE_EXTRA_CA_CERTS', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'emulator-ca-'));
    try {
      const caFile = path.join(dir, 'ca.crt');
      await writeFile(caFile, t.emulator.caCertPem);
      // A separate process: Node reads NODE_EXTRA_CA_CERTS only at start. msal-node is untouched here:
      // no network client, just a custom authority and knownAuthorities.
      const script = [
        "const { ConfidentialClientApplication } = require('@azure/msal-node');",
        'const [authority, host, clientId, clientSecret] = process.argv.slice(1);',
        'new ConfidentialClientApplication({ auth: { clientId, clientSecret, authority, knownAuthorities: [host] } })',
        "  .acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] })",
        "  .then((r) => process.stdout.write(r.tokenType), (e) => { process.stdout.write('error ' + e.errorCode); process.exitCode = 1; });",
      ].join('\n');
      const { stdout } = await run(
        process.execPath,
        ['-e', script, `${t.emulator.baseUrl}/${C.tenantId}`, t.host, SEED.demoApp.clientId, SEED.demoApp.secretValue],
        {
          cwd: process.cwd(),
          env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile },
        },
      );
      expect(stdout).toBe('Bearer');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
