import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED } from '../../src/directory/seed';
import { GraphDispatcher } from '../../src/graph/http/graph.dispatcher';
import { DEMO_APP, GraphHarness, graphErrorOf } from '../support/graph-harness';

const contoso = SEED.contoso;
const marketing = contoso.marketingSite;
const drivePath = `/v1.0/drives/${marketing.driveId}`;

describe(GraphDispatcher.name, () => {
  let h: GraphHarness;
  let app: string;
  let adele: string;

  beforeAll(async () => {
    h = await GraphHarness.start();
    app = await h.appToken(contoso.tenantId, DEMO_APP);
    adele = await h.userToken(DEMO_APP, contoso.adele.upn, ['User.Read', 'Files.ReadWrite.All', 'Sites.Read.All']);
  });

  afterAll(async () => {
    await h.close();
  });

  describe('users', () => {
    it("answers /me with the signed-in user in Graph's shape", async () => {
      const res = await h.graph(adele, '/v1.0/me');
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({
        '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#users/$entity',
        id: contoso.adele.id,
        userPrincipalName: contoso.adele.upn,
        displayName: 'Adele Vance',
        businessPhones: [],
      });
    });

    it('finds a user by id and by UPN for an app with User.Read.All, and 404s an unknown one', async () => {
      expect((await h.graph(app, `/v1.0/users/${contoso.alex.id}`)).json.userPrincipalName).toBe(contoso.alex.upn);
      expect((await h.graph(app, `/v1.0/users/${encodeURIComponent(contoso.alex.upn)}`)).json.id).toBe(contoso.alex.id);
      expect(graphErrorOf(await h.graph(app, '/v1.0/users/nobody@contoso.com'))).toEqual({
        status: 404,
        code: 'Request_ResourceNotFound',
      });
    });
  });

  describe('sites', () => {
    it('looks a site up by host name and server-relative path, with and without the closing colon', async () => {
      const bare = await h.graph(app, `/v1.0/sites/${marketing.hostname}:${marketing.serverRelativePath}`);
      expect(bare.status).toBe(200);
      expect(bare.json).toMatchObject({
        id: marketing.id,
        displayName: 'Marketing',
        siteCollection: { hostname: marketing.hostname },
      });
      const closed = await h.graph(app, `/v1.0/sites/${marketing.hostname}:${marketing.serverRelativePath}:/drive`);
      expect(closed.json).toMatchObject({ id: marketing.driveId, driveType: 'documentLibrary', name: 'Documents' });
      expect(graphErrorOf(await h.graph(app, `/v1.0/sites/${marketing.hostname}:/sites/Nope`))).toEqual({
        status: 404,
        code: 'itemNotFound',
      });
    });

    it('answers /sites/{id}, its default drive and its drives collection', async () => {
      expect((await h.graph(app, `/v1.0/sites/${marketing.id}`)).json.webUrl).toBe(
        `https://${marketing.hostname}${marketing.serverRelativePath}`,
      );
      expect((await h.graph(app, `/v1.0/sites/${marketing.id}/drive`)).json.id).toBe(marketing.driveId);
      // Clients that encode the id's commas reach the same site.
      expect((await h.graph(app, `/v1.0/sites/${encodeURIComponent(marketing.id)}/drive`)).json.id).toBe(
        marketing.driveId,
      );
      const drives = await h.graph(app, `/v1.0/sites/${marketing.id}/drives`);
      expect(drives.json['@odata.context']).toBe('https://graph.microsoft.com/v1.0/$metadata#drives');
      expect(drives.json.value.map((d: { id: string }) => d.id)).toEqual([marketing.driveId]);
    });
  });

  describe('drives', () => {
    it("gives the signed-in user's OneDrive the same id through /me/drive and /users/{id}/drive", async () => {
      const mine = await h.graph(adele, '/v1.0/me/drive');
      expect(mine.json).toMatchObject({
        driveType: 'business',
        owner: { user: { id: contoso.adele.id } },
        quota: { state: 'normal' },
      });
      const byUser = await h.graph(app, `/v1.0/users/${contoso.adele.id}/drive`);
      expect(byUser.json.id).toBe(mine.json.id);
      expect((await h.graph(app, `/v1.0/drives/${String(mine.json.id)}`)).json.id).toBe(mine.json.id);
    });

    it('gives a personal Microsoft account a personal drive', async () => {
      const megan = await h.userToken(DEMO_APP, SEED.consumers.megan.upn, ['Files.ReadWrite']);
      const res = await h.graph(megan, '/v1.0/me/drive');
      expect(res.json).toMatchObject({ driveType: 'personal', owner: { user: { id: SEED.consumers.megan.id } } });
    });

    it('answers /drives/{id}/root with the root facet and child count, and /me/drive/root too', async () => {
      const root = await h.graph(app, `${drivePath}/root`);
      expect(root.json).toMatchObject({ id: marketing.rootId, name: 'root', root: {}, folder: { childCount: 2 } });
      expect(root.json.parentReference).toEqual({ driveType: 'documentLibrary', driveId: marketing.driveId });
      expect((await h.graph(adele, '/v1.0/me/drive/root')).json.root).toEqual({});
    });

    it('lists children with Graph item shapes: file facet with hash, folder facet, parentReference path', async () => {
      const res = await h.graph(app, `${drivePath}/root/children`);
      expect(res.json['@odata.context']).toBe(
        `https://graph.microsoft.com/v1.0/$metadata#drives('${marketing.driveId}')/items('${marketing.rootId}')/children`,
      );
      const [brand, campaigns] = res.json.value;
      expect(brand).toMatchObject({
        id: marketing.brandFileId,
        name: 'Brand guidelines.txt',
        size: 46,
        eTag: `"{${marketing.brandFileId}},1"`,
        cTag: `"c:{${marketing.brandFileId}},1"`,
        file: { mimeType: 'text/plain', hashes: { quickXorHash: expect.any(String) } },
        parentReference: {
          driveId: marketing.driveId,
          id: marketing.rootId,
          path: `/drives/${marketing.driveId}/root:`,
        },
      });
      expect(brand['@microsoft.graph.downloadUrl']).toMatch(/\/_layouts\/15\/download\.aspx\?UniqueId=/);
      expect(campaigns).toMatchObject({ name: 'Campaigns', folder: { childCount: 1 } });
      expect(campaigns.file).toBeUndefined();
      expect((await h.graph(adele, '/v1.0/me/drive/root/children')).json.value).toEqual([]);
    });

    it('addresses items by id, by path below root and by path below an item', async () => {
      const byId = await h.graph(app, `${drivePath}/items/${marketing.launchFileId}`);
      expect(byId.json.parentReference.path).toBe(`/drives/${marketing.driveId}/root:/Campaigns`);
      const byPath = await h.graph(app, `${drivePath}/root:/campaigns/Spring%20launch.txt`);
      expect(byPath.json.id).toBe(marketing.launchFileId);
      const below = await h.graph(app, `${drivePath}/items/${marketing.campaignsFolderId}:/Spring%20launch.txt:`);
      expect(below.json.id).toBe(marketing.launchFileId);
      const children = await h.graph(app, `${drivePath}/items/${marketing.campaignsFolderId}/children`);
      expect(children.json.value.map((i: { id: string }) => i.id)).toEqual([marketing.launchFileId]);
      expect(graphErrorOf(await h.graph(app, `${drivePath}/root:/Campaigns/missing.txt`))).toEqual({
        status: 404,
        code: 'itemNotFound',
      });
      expect(graphErrorOf(await h.graph(app, `${drivePath}/items/01NOSUCHITEM`))).toEqual({
        status: 404,
        code: 'itemNotFound',
      });
    });

    it('pages a collection with $top and an absolute @odata.nextLink, and trims with $select', async () => {
      const first = await h.graph(app, `${drivePath}/root/children?$top=1&$select=id,name`);
      expect(first.json.value).toEqual([{ id: marketing.brandFileId, name: 'Brand guidelines.txt' }]);
      const next = new URL(String(first.json['@odata.nextLink']));
      expect(next.origin).toBe(h.base);
      const second = await h.graph(app, `${next.pathname}${next.search}`);
      expect(second.json.value).toEqual([{ id: marketing.campaignsFolderId, name: 'Campaigns' }]);
      expect(second.json['@odata.nextLink']).toBeUndefined();
      expect(graphErrorOf(await h.graph(app, `${drivePath}/root/children?$top=0`))).toEqual({
        status: 400,
        code: 'invalidRequest',
      });
    });
  });

  describe('search', () => {
    it('finds items by name and by text content anywhere below the item searched', async () => {
      const byName = await h.graph(app, `${drivePath}/root/search(q='launch')`);
      expect(byName.json['@odata.context']).toBe('https://graph.microsoft.com/v1.0/$metadata#Collection(driveItem)');
      expect(byName.json.value.map((i: { id: string }) => i.id)).toEqual([marketing.launchFileId]);
      const byContent = await h.graph(app, `${drivePath}/root/search(q='contoso%20blue')`);
      expect(byContent.json.value.map((i: { id: string }) => i.id)).toEqual([marketing.brandFileId]);
      const scoped = await h.graph(app, `${drivePath}/items/${marketing.campaignsFolderId}/search(q='brand')`);
      expect(scoped.json.value).toEqual([]);
    });

    it('answers 400 BadRequest for a search without a quoted literal', async () => {
      const res = await h.graph(app, `${drivePath}/root/search(q=launch)`);
      expect(graphErrorOf(res)).toEqual({ status: 400, code: 'BadRequest' });
    });
  });

  describe('routing', () => {
    it('names an unknown segment in a 400 BadRequest and refuses an unsupported method with 405', async () => {
      const unknown = await h.graph(app, '/v1.0/groups/g1');
      expect(graphErrorOf(unknown)).toEqual({ status: 400, code: 'BadRequest' });
      expect(unknown.json.error.message).toBe("Resource not found for the segment 'groups'.");
      expect((await h.graph(adele, '/v1.0/me', { method: 'DELETE' })).status).toBe(405);
    });
  });
});
