import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ConfidentialClientApplication } from '@azure/msal-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED } from '../src/directory/seed';
import { HttpsClient, MsalNetworkClient } from './support/https-client';
import { completeSignIn, pkce, verifyWithJwks } from './support/emulator-fixture';
import { useTestEmulator } from './support/emulator-suite';

const C = SEED.contoso;
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
  function usGovApp(): ConfidentialClientApplication {
    return new ConfidentialClientApplication({
      auth: {
        clientId: SEED.demoApp.clientId,
        clientSecret: SEED.demoApp.secretValue,
        authority: `https://login.microsoftonline.us/${C.tenantId}`,
      },
      system: { networkClient: new MsalNetworkClient(routed) },
    });
  }

  it('issues US Government L5 (DoD) app-only tokens at the real login.microsoftonline.us authority', async () => {
    const result = await usGovApp().acquireTokenByClientCredential({
      scopes: ['https://dod-graph.microsoft.us/.default'],
    });
    const claims = await verifyWithJwks(t, result?.accessToken as string, C.tenantId, {
      issuer: `https://login.microsoftonline.us/${C.tenantId}/`,
      audience: 'https://dod-graph.microsoft.us',
    });
    expect(claims.tid).toBe(C.tenantId);
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
    const signIn = await completeSignIn(routed, url, C.adele.upn);
    const code = new URL(signIn.location as string).searchParams.get('code') as string;
    const result = await app.acquireTokenByCode({ code, codeVerifier: verifier, redirectUri, scopes });
    expect((result.idTokenClaims as { iss: string }).iss).toBe(`https://login.microsoftonline.us/${C.tenantId}/v2.0`);
    const access = await verifyWithJwks(t, result.accessToken, C.tenantId, {
      issuer: `https://login.microsoftonline.us/${C.tenantId}/`,
      audience: 'https://graph.microsoft.us',
    });
    expect(access.scp).toContain('Files.Read');
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
