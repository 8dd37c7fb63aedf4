import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED } from '../../src/directory/seed';
import { DriveHandlers } from '../../src/graph/handlers/drive.handlers';
import { DEMO_APP, GraphHarness, graphErrorOf, send } from '../support/graph-harness';

const contoso = SEED.contoso;
const marketing = contoso.marketingSite;

describe(DriveHandlers.name, () => {
  let h: GraphHarness;
  let adele: string;
  let app: string;

  beforeAll(async () => {
    h = await GraphHarness.start();
    adele = await h.userToken(DEMO_APP, contoso.adele.upn, ['Files.ReadWrite']);
    app = await h.appToken(contoso.tenantId, DEMO_APP);
  });

  afterAll(async () => {
    await h.close();
  });

  const put = (path: string, body: Buffer | string, contentType = 'text/plain') =>
    h.graph(adele, `/v1.0/me/drive${path}`, { method: 'PUT', body, headers: { 'content-type': contentType } });
  const mkdir = (parentPath: string, name: string, behavior?: string) =>
    h.graph(adele, `/v1.0/me/drive${parentPath}/children`, {
      method: 'POST',
      jsonBody: { name, folder: {}, ...(behavior ? { '@microsoft.graph.conflictBehavior': behavior } : {}) },
    });
  const download = async (itemId: string) => {
    const redirect = await h.graph(adele, `/v1.0/me/drive/items/${itemId}/content`);
    return send(String(redirect.headers.location));
  };

  describe('upload', () => {
    it('creates a file with 201, then replaces its content in place with 200 and a new eTag', async () => {
      const created = await put('/root:/notes.txt:/content', 'first');
      expect(created.status).toBe(201);
      expect(created.json).toMatchObject({ name: 'notes.txt', size: 5, file: { mimeType: 'text/plain' } });
      const replaced = await put('/root:/notes.txt:/content', 'second version');
      expect(replaced.status).toBe(200);
      expect(replaced.json.id).toBe(created.json.id);
      expect(replaced.json.eTag).not.toBe(created.json.eTag);
      expect((await download(String(created.json.id))).body.toString('utf8')).toBe('second version');
    });

    it('keeps the exact bytes whatever the Content-Type, JSON and binary included', async () => {
      const json = '{ "spaced" : true }';
      const asJson = await put('/root:/config.json:/content', json, 'application/json');
      expect(asJson.json.file.mimeType).toBe('application/json');
      expect((await download(String(asJson.json.id))).body.toString('utf8')).toBe(json);
      const bytes = randomBytes(4096);
      const binary = await put('/root:/blob.bin:/content', bytes, 'application/octet-stream');
      expect(binary.json.size).toBe(4096);
      expect((await download(String(binary.json.id))).body.equals(bytes)).toBe(true);
    });

    it('honours conflictBehavior fail with 409 nameAlreadyExists and rename with a numbered name', async () => {
      await put('/root:/report.txt:/content', 'a');
      const failed = await put('/root:/report.txt:/content?@microsoft.graph.conflictBehavior=fail', 'b');
      expect(graphErrorOf(failed)).toEqual({ status: 409, code: 'nameAlreadyExists' });
      const renamed = await put('/root:/Report.txt:/content?@microsoft.graph.conflictBehavior=rename', 'c');
      expect(renamed.status).toBe(201);
      expect(renamed.json.name).toBe('Report 1.txt');
    });

    it('creates missing folders on the path and uploads below an item id', async () => {
      const deep = await put('/root:/2026/Q4/plan.txt:/content', 'plan');
      expect(deep.json.parentReference.path).toMatch(/\/root:\/2026\/Q4$/);
      const q4 = String(deep.json.parentReference.id);
      const below = await put(`/items/${q4}:/budget.txt:/content`, 'budget');
      expect(below.status).toBe(201);
      expect(below.json.parentReference.id).toBe(q4);
      const children = await h.graph(adele, `/v1.0/me/drive/items/${q4}/children`);
      expect(children.json.value.map((i: { name: string }) => i.name)).toEqual(['budget.txt', 'plan.txt']);
    });

    it('replaces content by item id, refusing a stale If-Match with 412', async () => {
      const created = await put('/root:/versioned.txt:/content', 'v1');
      const stale = String(created.json.eTag);
      expect((await put(`/items/${String(created.json.id)}/content`, 'v2')).status).toBe(200);
      const refused = await h.graph(adele, `/v1.0/me/drive/items/${String(created.json.id)}/content`, {
        method: 'PUT',
        body: 'v3',
        headers: { 'content-type': 'text/plain', 'if-match': stale },
      });
      expect(graphErrorOf(refused)).toEqual({ status: 412, code: 'preconditionFailed' });
    });
  });

  describe('create folder', () => {
    it('creates with 201 and fails on a taken name by default with 409', async () => {
      const created = await mkdir('/root', 'Projects');
      expect(created.status).toBe(201);
      expect(created.json).toMatchObject({ name: 'Projects', folder: { childCount: 0 } });
      expect(graphErrorOf(await mkdir('/root', 'projects'))).toEqual({ status: 409, code: 'nameAlreadyExists' });
    });

    it('renames on conflict, and replace keeps the existing folder and its contents', async () => {
      const original = await mkdir('/root', 'Shared');
      await put('/root:/Shared/keep.txt:/content', 'keep');
      expect((await mkdir('/root', 'Shared', 'rename')).json.name).toBe('Shared 1');
      const replaced = await mkdir('/root', 'Shared', 'replace');
      expect(replaced.status).toBe(200);
      expect(replaced.json).toMatchObject({ id: original.json.id, folder: { childCount: 1 } });
    });

    it('creates below a path and refuses invalid names and non-folder bodies with 400 invalidRequest', async () => {
      await mkdir('/root', 'Parent');
      expect((await mkdir('/root:/Parent:', 'Child')).json.parentReference.path).toMatch(/root:\/Parent$/);
      expect(graphErrorOf(await mkdir('/root', 'bad:name'))).toEqual({ status: 400, code: 'invalidRequest' });
      const fileBody = await h.graph(adele, '/v1.0/me/drive/root/children', {
        method: 'POST',
        jsonBody: { name: 'f.txt', file: {} },
      });
      expect(graphErrorOf(fileBody)).toEqual({ status: 400, code: 'invalidRequest' });
    });
    it("answers a malformed or empty JSON body with Graph's 400 BadRequest body", async () => {
      const post = (body: string) =>
        h.graph(adele, '/v1.0/me/drive/root/children', {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/json' },
        });
      const malformed = await post('{"name": "x", folder: {}');
      expect(graphErrorOf(malformed)).toEqual({ status: 400, code: 'BadRequest' });
      expect(malformed.json.error.innerError['request-id']).toBe(malformed.headers['request-id']);
      expect(graphErrorOf(await post(''))).toEqual({ status: 400, code: 'BadRequest' });
    });
  });

  describe('move and rename', () => {
    it('renames and moves with parentReference id or path', async () => {
      const file = await put('/root:/draft.txt:/content', 'draft');
      const target = await mkdir('/root', 'Archive');
      const id = String(file.json.id);
      const renamed = await h.graph(adele, `/v1.0/me/drive/items/${id}`, {
        method: 'PATCH',
        jsonBody: { name: 'final.txt' },
      });
      expect(renamed.json).toMatchObject({ id, name: 'final.txt' });
      const moved = await h.graph(adele, `/v1.0/me/drive/items/${id}`, {
        method: 'PATCH',
        jsonBody: { parentReference: { id: target.json.id } },
      });
      expect(moved.json.parentReference).toMatchObject({
        id: target.json.id,
        path: expect.stringMatching(/root:\/Archive$/),
      });
      const back = await h.graph(adele, `/v1.0/me/drive/items/${id}`, {
        method: 'PATCH',
        jsonBody: { parentReference: { path: '/drive/root:' } },
      });
      expect(back.json.parentReference.path).toMatch(/root:$/);
      await mkdir('/root', 'Old stuff');
      const byEncodedPath = await h.graph(adele, `/v1.0/me/drive/items/${id}`, {
        method: 'PATCH',
        jsonBody: { parentReference: { path: '/drive/root:/Old%20stuff' } },
      });
      expect(byEncodedPath.json.parentReference.path).toMatch(/root:\/Old%20stuff$/);
    });

    it('fails a move onto a taken name with 409 unless told to rename', async () => {
      const folder = await mkdir('/root', 'Inbox');
      await put('/root:/Inbox/memo.txt:/content', 'old');
      const memo = await put('/root:/memo.txt:/content', 'new');
      const patch = (query: string) =>
        h.graph(adele, `/v1.0/me/drive/items/${String(memo.json.id)}${query}`, {
          method: 'PATCH',
          jsonBody: { parentReference: { id: folder.json.id } },
        });
      expect(graphErrorOf(await patch(''))).toEqual({ status: 409, code: 'nameAlreadyExists' });
      expect((await patch('?@microsoft.graph.conflictBehavior=rename')).json.name).toBe('memo 1.txt');
    });

    it('refuses moving into its own descendant, moving the root and moving across drives with 400', async () => {
      const outer = await mkdir('/root', 'Outer');
      const inner = await mkdir('/root:/Outer:', 'Inner');
      const intoSelf = await h.graph(adele, `/v1.0/me/drive/items/${String(outer.json.id)}`, {
        method: 'PATCH',
        jsonBody: { parentReference: { id: inner.json.id } },
      });
      expect(graphErrorOf(intoSelf)).toEqual({ status: 400, code: 'invalidRequest' });
      const root = await h.graph(adele, '/v1.0/me/drive/root', { method: 'PATCH', jsonBody: { name: 'x' } });
      expect(graphErrorOf(root)).toEqual({ status: 400, code: 'invalidRequest' });
      const acrossDrives = await h.graph(app, `/v1.0/drives/${marketing.driveId}/items/${marketing.brandFileId}`, {
        method: 'PATCH',
        jsonBody: { parentReference: { driveId: String(outer.json.parentReference.driveId), id: outer.json.id } },
      });
      expect(graphErrorOf(acrossDrives)).toEqual({ status: 400, code: 'invalidRequest' });
    });
  });

  describe('delete', () => {
    it('answers 204 and removes the folder with everything below it', async () => {
      const folder = await mkdir('/root', 'Trash me');
      const child = await put('/root:/Trash%20me/inside.txt:/content', 'x');
      const res = await h.graph(adele, `/v1.0/me/drive/items/${String(folder.json.id)}`, { method: 'DELETE' });
      expect(res.status).toBe(204);
      expect(res.body.length).toBe(0);
      expect(graphErrorOf(await h.graph(adele, `/v1.0/me/drive/items/${String(folder.json.id)}`))).toEqual({
        status: 404,
        code: 'itemNotFound',
      });
      expect(graphErrorOf(await h.graph(adele, `/v1.0/me/drive/items/${String(child.json.id)}`))).toEqual({
        status: 404,
        code: 'itemNotFound',
      });
    });
  });
});
