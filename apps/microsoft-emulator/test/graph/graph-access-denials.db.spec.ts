// The control API's Graph access denials: Graph refusing an app or a user on one drive, one site
// or everything (403 accessDenied, or 401 InvalidAuthenticationToken), or hiding one drive or site
// from them (404 itemNotFound), until the denial is removed.
import { describe, expect, it } from 'vitest';
import { SEED } from '../../src/directory/seed';
import { useTestEmulator } from '../support/emulator-suite';

const C = SEED.contoso;
const MARKETING = C.marketingSite;

describe('control API Graph access denials', () => {
  const t = useTestEmulator({ resetBeforeEach: true });

  const appToken = async (): Promise<string> => {
    const res = await t.http.send(`${t.emulator.baseUrl}/${C.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: SEED.demoApp.clientId,
        client_secret: SEED.demoApp.secretValue,
        scope: 'https://graph.microsoft.com/.default',
      }).toString(),
    });
    expect(res.status).toBe(200);
    return (JSON.parse(res.body) as { access_token: string }).access_token;
  };
  const graph = (token: string, path: string) =>
    t.http.send(`${t.emulator.baseUrl}/v1.0${path}`, { headers: { authorization: `Bearer ${token}` } });
  const control = (method: string, path: string, body?: unknown) =>
    t.http.send(`${t.emulator.baseUrl}/_emulator${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('refuses the app the one drive with 403 accessDenied until the denial is removed', async () => {
    const token = await appToken();
    expect((await graph(token, `/drives/${MARKETING.driveId}`)).status).toBe(200);
    const added = await control('POST', '/graph/access-denials', {
      tenantId: C.tenantId,
      clientId: SEED.demoApp.clientId,
      driveId: MARKETING.driveId,
    });
    expect(added.status).toBe(201);
    const denial = JSON.parse(added.body) as { id: string; status: number };
    expect(denial.status).toBe(403);

    const refused = await graph(token, `/drives/${MARKETING.driveId}/root/children`);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toMatchObject({ error: { code: 'accessDenied' } });
    // Other resources of the same app still answer.
    expect((await graph(token, `/users/${C.adele.id}/drive`)).status).toBe(200);
    expect(JSON.parse((await control('GET', '/graph/access-denials')).body)).toEqual({
      value: [expect.objectContaining({ id: denial.id, driveId: MARKETING.driveId })],
    });

    expect((await control('DELETE', `/graph/access-denials/${denial.id}`)).status).toBe(204);
    expect((await graph(token, `/drives/${MARKETING.driveId}`)).status).toBe(200);
    expect((await control('DELETE', `/graph/access-denials/${denial.id}`)).status).toBe(404);
  });

  it("answers 401 with Graph's challenge when the denial says so, for a site and its drives", async () => {
    const token = await appToken();
    await control('POST', '/graph/access-denials', {
      tenantId: C.tenantId,
      clientId: SEED.demoApp.clientId,
      siteId: MARKETING.id,
      status: 401,
    });
    for (const path of [`/sites/${MARKETING.id}`, `/sites/${MARKETING.id}/drive`]) {
      const res = await graph(token, path);
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'InvalidAuthenticationToken' } });
      expect(res.headers['www-authenticate']).toContain('authorization_uri=');
    }
  });

  it('hides a drive or a site from the app with 404 itemNotFound (and its request id) until the denial is removed', async () => {
    const token = await appToken();
    const drive = await control('POST', '/graph/access-denials', {
      tenantId: C.tenantId,
      clientId: SEED.demoApp.clientId,
      driveId: MARKETING.driveId,
      status: 404,
    });
    expect(drive.status).toBe(201);
    const gone = await graph(token, `/drives/${MARKETING.driveId}`);
    expect(gone.status).toBe(404);
    const body = JSON.parse(gone.body) as { error: { code: string; innerError: { 'request-id': string } } };
    expect(body.error.code).toBe('itemNotFound');
    expect(body.error.innerError['request-id']).toBe(gone.headers['request-id']);
    // The request log names Graph's request id too, so a client's recorded correlation id can be checked.
    const logged = JSON.parse((await control('GET', '/requests')).body) as {
      value: { path: string; status: number; requestId: string | null }[];
    };
    expect(logged.value.at(-1)).toMatchObject({
      path: `/v1.0/drives/${MARKETING.driveId}`,
      status: 404,
      requestId: gone.headers['request-id'],
    });
    expect(
      (await control('DELETE', `/graph/access-denials/${(JSON.parse(drive.body) as { id: string }).id}`)).status,
    ).toBe(204);
    expect((await graph(token, `/drives/${MARKETING.driveId}`)).status).toBe(200);

    await control('POST', '/graph/access-denials', {
      tenantId: C.tenantId,
      clientId: SEED.demoApp.clientId,
      siteId: MARKETING.id,
      status: 404,
    });
    for (const path of [`/sites/${MARKETING.id}`, `/sites/${MARKETING.id}/drive`]) {
      const res = await graph(token, path);
      expect(res.status).toBe(404);
      expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'itemNotFound' } });
    }
    // Nothing to hide without a drive or a site: Graph has no such answer for a whole principal.
    const vague = await control('POST', '/graph/access-denials', {
      tenantId: C.tenantId,
      clientId: SEED.demoApp.clientId,
      status: 404,
    });
    expect(vague.status).toBe(400);
  });

  it('ignores denials of another principal or tenant, and refuses a denial that names no one', async () => {
    const token = await appToken();
    await control('POST', '/graph/access-denials', { tenantId: C.tenantId, userId: C.adele.id });
    await control('POST', '/graph/access-denials', {
      tenantId: SEED.fabrikam.tenantId,
      clientId: SEED.demoApp.clientId,
    });
    expect((await graph(token, `/drives/${MARKETING.driveId}`)).status).toBe(200);
    expect((await control('POST', '/graph/access-denials', { tenantId: C.tenantId })).status).toBe(400);
  });
});
