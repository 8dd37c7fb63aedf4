import { describe, expect, it } from 'vitest';
import { startEmulator } from '../src/emulator';
import { SEED } from '../src/directory/seed';
import { HttpsClient } from './support/https-client';
import { completeSignIn, pkce } from './support/emulator-fixture';
import { useTestEmulator } from './support/emulator-suite';

const C = SEED.contoso;
const REDIRECT = 'http://localhost:3000/oauth/callback';

describe('control API faults and request log', () => {
  const t = useTestEmulator({ resetBeforeEach: true });

  const tokenPath = `/${C.tenantId}/oauth2/v2.0/token`;
  const clientCredentials = () =>
    t.http.send(`${t.emulator.baseUrl}${tokenPath}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: SEED.demoApp.clientId,
        client_secret: SEED.demoApp.secretValue,
        scope: 'https://graph.microsoft.com/.default',
      }).toString(),
    });
  const addFault = async (rule: Record<string, unknown>) => {
    const res = await t.http.send(`${t.emulator.baseUrl}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(rule),
    });
    expect(res.status).toBe(201);
  };
  const log = async () =>
    (
      JSON.parse((await t.http.send(`${t.emulator.baseUrl}/_emulator/requests`)).body) as {
        value: Record<string, unknown>[];
      }
    ).value;

  it('answers the next N matching requests with 429 and Retry-After, then serves again', async () => {
    await addFault({ kind: 'status', status: 429, retryAfterSeconds: 7, pathPrefix: tokenPath, count: 2 });
    for (let i = 0; i < 2; i++) {
      const throttled = await clientCredentials();
      expect(throttled.status).toBe(429);
      expect(throttled.headers['retry-after']).toBe('7');
      expect(JSON.parse(throttled.body)).toMatchObject({ error: 'temporarily_unavailable' });
    }
    expect((await clientCredentials()).status).toBe(200);
    expect((await log()).map((e) => [e.status, e.fault])).toEqual([
      [429, 'status_429'],
      [429, 'status_429'],
      [200, null],
    ]);
  });

  it('applies a fraction-1 rule until it is removed, and leaves other paths alone', async () => {
    await addFault({ kind: 'status', status: 503, pathPrefix: tokenPath, fraction: 1 });
    expect((await clientCredentials()).status).toBe(503);
    expect((await clientCredentials()).status).toBe(503);
    expect((await t.http.send(`${t.emulator.baseUrl}/${C.tenantId}/discovery/v2.0/keys`)).status).toBe(200);
    await t.http.send(`${t.emulator.baseUrl}/_emulator/faults`, { method: 'DELETE' });
    expect((await clientCredentials()).status).toBe(200);
  });

  it('answers Graph paths with Graph’s error shape', async () => {
    await addFault({ kind: 'status', status: 429, pathPrefix: '/v1.0/', count: 1 });
    const res = await t.http.send(`${t.emulator.baseUrl}/v1.0/me`);
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('1');
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'TooManyRequests' } });
  });

  it('delays a request by the injected latency', async () => {
    await addFault({ kind: 'latency', latencyMs: 150, pathPrefix: tokenPath, count: 1 });
    const started = performance.now();
    expect((await clientCredentials()).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
  });

  it('drops the connection without an answer', async () => {
    await addFault({ kind: 'drop', pathPrefix: tokenPath, count: 1 });
    await expect(clientCredentials()).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect((await log())[0]).toMatchObject({
      path: tokenPath,
      status: null,
      fault: 'drop',
      grantType: 'client_credentials',
    });
  });

  it('redeems a code whose reply is lost, so the retry meets AADSTS54005', async () => {
    const { verifier, challenge } = pkce();
    const authorize = `${t.emulator.baseUrl}/${C.tenantId}/oauth2/v2.0/authorize?client_id=${SEED.demoApp.clientId}&response_type=code&redirect_uri=${encodeURIComponent(REDIRECT)}&scope=openid%20offline_access%20Files.Read&code_challenge=${challenge}&code_challenge_method=S256`;
    const code = new URL((await completeSignIn(t.http, authorize, C.adele.upn)).location as string).searchParams.get(
      'code',
    ) as string;
    const redeem = () =>
      t.http.send(`${t.emulator.baseUrl}${tokenPath}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          client_id: SEED.demoApp.clientId,
          client_secret: SEED.demoApp.secretValue,
          code,
          code_verifier: verifier,
          redirect_uri: REDIRECT,
        }).toString(),
      });
    await addFault({ kind: 'reply_lost', pathPrefix: tokenPath, count: 1 });
    await expect(redeem()).rejects.toThrow(/socket hang up|ECONNRESET/);
    const retry = await redeem();
    expect(JSON.parse(retry.body)).toMatchObject({ error: 'invalid_grant', error_codes: [54005] });
    expect((await log()).filter((e) => e.path === tokenPath).map((e) => [e.grantType, e.status, e.fault])).toEqual([
      ['authorization_code', null, 'reply_lost'],
      ['authorization_code', 400, null],
    ]);
  });

  it('refuses an invalid fault rule with 400 invalid_request', async () => {
    const res = await t.http.send(`${t.emulator.baseUrl}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'status' }),
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'invalid_request' } });
  });

  it('registers an app and a user through the control API and returns a new secret only once', async () => {
    const app = JSON.parse(
      (
        await t.http.send(`${t.emulator.baseUrl}/_emulator/apps`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            displayName: 'New app',
            homeTenantId: C.tenantId,
            signInAudience: 'AzureADMyOrg',
            redirectUris: [REDIRECT],
            applicationPermissions: ['Files.Read.All'],
          }),
        })
      ).body,
    ) as { clientId: string };
    const secret = JSON.parse(
      (await t.http.send(`${t.emulator.baseUrl}/_emulator/apps/${app.clientId}/secrets`, { method: 'POST' })).body,
    ) as { value: string; hint: string };
    expect(secret.value.startsWith(secret.hint)).toBe(true);
    const directory = (await t.http.send(`${t.emulator.baseUrl}/_emulator/directory`)).body;
    expect(directory).toContain(app.clientId);
    expect(directory).not.toContain(secret.value);
    expect(directory).not.toContain(SEED.demoApp.secretValue);
    const user = await t.http.send(`${t.emulator.baseUrl}/_emulator/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        tenantId: C.tenantId,
        userPrincipalName: 'new.user@contoso.com',
        displayName: 'New User',
      }),
    });
    expect(user.status).toBe(201);
    expect(t.emulator.store.findUser(C.tenantId, 'new.user@contoso.com')?.displayName).toBe('New User');
  });

  it('is not mounted unless enabled', async () => {
    const plain = await startEmulator({ port: 0, dataDir: null });
    const http = new HttpsClient({ caCertPem: plain.caCertPem });
    try {
      expect((await http.send(`${plain.baseUrl}/_emulator/requests`)).status).toBe(404);
    } finally {
      http.close();
      await plain.close();
    }
  });
});
