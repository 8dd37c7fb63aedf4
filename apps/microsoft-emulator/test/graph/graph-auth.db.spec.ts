import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED } from '../../src/directory/seed';
import { GraphController } from '../../src/graph/graph.controller';
import { DEMO_APP, GraphHarness, graphErrorOf, type RawResponse, type TestApp } from '../support/graph-harness';

const contoso = SEED.contoso;
const marketing = contoso.marketingSite;
const fabrikam = SEED.fabrikam;

function expectGraphError(res: RawResponse, status: number, code: string): void {
  expect(graphErrorOf(res)).toEqual({ status, code });
}

describe(GraphController.name, () => {
  let h: GraphHarness;
  let contosoApp: string;
  let contosoReader: TestApp;

  beforeAll(async () => {
    h = await GraphHarness.start();
    contosoApp = await h.appToken(contoso.tenantId, DEMO_APP);
    contosoReader = h.registerApp(contoso.tenantId, ['Files.Read.All']);
  });

  afterAll(async () => {
    await h.close();
  });

  describe('authentication', () => {
    it("answers a request without a token with 401 and Graph's error body, ids and challenge", async () => {
      const res = await h.graph(null, '/v1.0/me', { headers: { 'client-request-id': 'spec-correlation-1' } });
      expectGraphError(res, 401, 'InvalidAuthenticationToken');
      expect(res.json.error.message).toBe('Access token is empty.');
      expect(res.json.error.innerError).toEqual({
        date: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/),
        'request-id': res.headers['request-id'],
        'client-request-id': 'spec-correlation-1',
      });
      expect(res.headers['www-authenticate']).toContain(
        'authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"',
      );
    });

    it('refuses a non-Bearer scheme and a tampered token without repeating the token', async () => {
      expectGraphError(
        await h.graph(null, '/v1.0/me', { headers: { authorization: 'Basic dXNlcjpwYXNz' } }),
        401,
        'InvalidAuthenticationToken',
      );
      const tampered = `${contosoApp.slice(0, -4)}AAAA`;
      const res = await h.graph(tampered, `/v1.0/drives/${marketing.driveId}`);
      expectGraphError(res, 401, 'InvalidAuthenticationToken');
      expect(res.body.toString('utf8')).not.toContain(tampered.split('.')[1]);
    });

    it('refuses a global Graph token presented at the US Government Graph host', async () => {
      const res = await h.graph(contosoApp, `/v1.0/drives/${marketing.driveId}`, {
        headers: { host: 'graph.microsoft.us' },
      });
      expectGraphError(res, 401, 'InvalidAuthenticationToken');
      expect(res.headers['www-authenticate']).toContain('https://login.microsoftonline.us/');
    });

    it("answers as the Host header's national cloud, naming that cloud's Graph in @odata.context", async () => {
      // National clouds are separate directories: the US Government tenant, reached at its own login host.
      const gov = SEED.usGov;
      const token = await h.appToken(gov.tenantId, DEMO_APP, {
        login: 'login.microsoftonline.us',
        graph: 'dod-graph.microsoft.us',
      });
      const res = await h.graph(token, `/v1.0/users/${gov.grace.id}/drive`, {
        headers: { host: 'dod-graph.microsoft.us' },
      });
      expect(res.status).toBe(200);
      expect(res.json['@odata.context']).toBe('https://dod-graph.microsoft.us/v1.0/$metadata#drives/$entity');
      expect(res.json.owner.user.id).toBe(gov.grace.id);
    });
  });

  describe('permissions', () => {
    it('answers /me for an app-only token with 400 BadRequest', async () => {
      const res = await h.graph(contosoApp, '/v1.0/me/drive');
      expectGraphError(res, 400, 'BadRequest');
      expect(res.json.error.message).toBe('/me request is only valid with delegated authentication flow.');
    });

    it('lets an app with Files.Read.All read files but not write them, read sites or read users', async () => {
      const reader = await h.appToken(contoso.tenantId, contosoReader);
      expect((await h.graph(reader, `/v1.0/drives/${marketing.driveId}/root/children`)).status).toBe(200);
      const write = await h.graph(reader, `/v1.0/drives/${marketing.driveId}/root:/x.txt:/content`, {
        method: 'PUT',
        body: 'x',
      });
      expectGraphError(write, 403, 'accessDenied');
      expectGraphError(await h.graph(reader, `/v1.0/sites/${marketing.id}`), 403, 'accessDenied');
      expectGraphError(await h.graph(reader, `/v1.0/users/${contoso.adele.upn}`), 403, 'Authorization_RequestDenied');
    });

    it("keeps delegated Files.ReadWrite to the signed-in user's own drive", async () => {
      const adele = await h.userToken(DEMO_APP, contoso.adele.upn, ['Files.ReadWrite']);
      const own = await h.graph(adele, '/v1.0/me/drive/root:/mine.txt:/content', { method: 'PUT', body: 'mine' });
      expect(own.status).toBe(201);
      expectGraphError(await h.graph(adele, `/v1.0/drives/${marketing.driveId}/root`), 403, 'accessDenied');
    });

    it('refuses writes to a delegated token with only Files.Read', async () => {
      const adele = await h.userToken(DEMO_APP, contoso.adele.upn, ['Files.Read']);
      expect((await h.graph(adele, '/v1.0/me/drive/root/children')).status).toBe(200);
      const res = await h.graph(adele, '/v1.0/me/drive/root/children', {
        method: 'POST',
        jsonBody: { name: 'New', folder: {} },
      });
      expectGraphError(res, 403, 'accessDenied');
    });

    it("keeps another user's OneDrive private from a delegated caller even with Files.ReadWrite.All", async () => {
      const adele = await h.userToken(DEMO_APP, contoso.adele.upn, ['Files.ReadWrite.All']);
      expectGraphError(await h.graph(adele, `/v1.0/users/${contoso.alex.id}/drive`), 403, 'accessDenied');
      expect((await h.graph(adele, `/v1.0/drives/${marketing.driveId}/root`)).status).toBe(200);
    });

    it('lets delegated User.Read read the signed-in user only', async () => {
      const adele = await h.userToken(DEMO_APP, contoso.adele.upn, ['User.Read']);
      expect((await h.graph(adele, `/v1.0/users/${contoso.adele.upn}`)).json.id).toBe(contoso.adele.id);
      expectGraphError(await h.graph(adele, `/v1.0/users/${contoso.alex.id}`), 403, 'Authorization_RequestDenied');
      expectGraphError(await h.graph(adele, '/v1.0/me/drive'), 403, 'accessDenied');
    });
  });

  describe('tenant isolation', () => {
    it("answers 404 for another tenant's drive, item, site and user, as for ids that do not exist", async () => {
      const fabrikamApp = h.registerApp(fabrikam.tenantId, ['Files.ReadWrite.All', 'Sites.Read.All', 'User.Read.All']);
      const token = await h.appToken(fabrikam.tenantId, fabrikamApp);
      expectGraphError(await h.graph(token, `/v1.0/drives/${marketing.driveId}`), 404, 'itemNotFound');
      expectGraphError(
        await h.graph(token, `/v1.0/drives/${marketing.driveId}/items/${marketing.brandFileId}/content`),
        404,
        'itemNotFound',
      );
      expectGraphError(await h.graph(token, `/v1.0/sites/${marketing.id}`), 404, 'itemNotFound');
      expectGraphError(
        await h.graph(token, `/v1.0/sites/${marketing.hostname}:${marketing.serverRelativePath}`),
        404,
        'itemNotFound',
      );
      expectGraphError(await h.graph(token, `/v1.0/users/${contoso.adele.id}/drive`), 404, 'itemNotFound');
      expectGraphError(await h.graph(token, `/v1.0/users/${contoso.adele.upn}`), 404, 'Request_ResourceNotFound');
      expect((await h.graph(token, `/v1.0/users/${fabrikam.diego.upn}`)).status).toBe(200);
    });

    it("never lets a delegated token of one tenant reach another tenant's user drive", async () => {
      const diego = await h.userToken(DEMO_APP, fabrikam.diego.upn, ['Files.ReadWrite.All']);
      expectGraphError(await h.graph(diego, `/v1.0/drives/${marketing.driveId}/root/children`), 404, 'itemNotFound');
      const own = await h.graph(diego, '/v1.0/me/drive');
      expect(own.json.owner.user.id).toBe(fabrikam.diego.id);
    });
  });

  describe('expiry', () => {
    // Last in the file: moving the emulator clock expires every token minted above.
    it('refuses a token once the emulator clock has passed its expiry', async () => {
      const token = await h.appToken(contoso.tenantId, DEMO_APP);
      expect((await h.graph(token, `/v1.0/drives/${marketing.driveId}`)).status).toBe(200);
      h.emulator.clock.advance(3600 * 1000);
      const res = await h.graph(token, `/v1.0/drives/${marketing.driveId}`);
      expectGraphError(res, 401, 'InvalidAuthenticationToken');
      expect(res.json.error.message).toContain('expired');
    });
  });
});
