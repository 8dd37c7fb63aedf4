import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { aCredential, standIn, type Received, type Reply, type StandIn } from '../test/stand-in-server';
import { Authpipe } from './client';
import { GraphError } from './errors';
import { cursorOf, UPLOAD_CHUNK_UNIT_BYTES } from './files';

const PROXY = '/v1/proxy/microsoft-onedrive/';
const graph = (json: unknown, status = 200, headers: Record<string, string> = {}): Reply => ({
  status,
  headers: { 'authpipe-upstream': 'microsoft-graph', ...headers },
  ...(json === undefined ? {} : { json }),
});
const item = (id: string, extra: Record<string, unknown> = {}) => ({ id, name: `${id}.txt`, ...extra });

describe('FileActions', () => {
  let server: StandIn;
  let authpipe: Authpipe;
  /** Graph's answers by "METHOD graph-path" (the path after /v1/proxy/microsoft-onedrive/). */
  let routes: Record<string, (request: Received) => Reply>;
  const graphPath = (request: Received) => request.url.slice(PROXY.length);
  const proxied = () => server.received.filter((r) => r.path.startsWith(PROXY));
  const user = { tenantId: 'org_acme', userId: 'user_123' };

  beforeAll(async () => {
    server = await standIn((request) => {
      const route = request.path.startsWith(PROXY)
        ? `${request.method} ${graphPath(request)}`
        : `${request.method} ${request.path}`;
      const handler = routes[route];
      return handler ? handler(request) : { status: 599, body: `no route for ${route}` };
    });
    authpipe = new Authpipe({ secretKey: 'sk_test_1', baseUrl: server.url, retry: { retries: 0 } });
  });
  afterAll(() => server.close());
  afterEach(() => {
    server.received.length = 0;
  });

  it("lists a user's folder through the proxy, a page at a time", async () => {
    routes = {
      'GET me/drive/items/F1/children?$top=2': () =>
        graph({
          value: [item('a'), item('b')],
          '@odata.nextLink': 'https://graph.microsoft.com/v1.0/me/drive/items/F1/children?$top=2&$skiptoken=xyz',
        }),
      'GET me/drive/items/F1/children?$top=2&$skiptoken=xyz': () => graph({ value: [item('c')] }),
    };
    const first = await authpipe.files.listChildren({ ...user, folderId: 'F1', top: 2 });
    expect(first.items.map((i) => i.id)).toEqual(['a', 'b']);
    const second = await authpipe.files.listChildren({ ...user, cursor: first.nextCursor! });
    expect(second).toEqual({ items: [item('c')], nextCursor: null });
    expect(proxied()[0].headers).toMatchObject({ 'authpipe-tenant-id': 'org_acme', 'authpipe-user-id': 'user_123' });
  });

  it("works on the installation's bound drive, read once from the cached credential", async () => {
    routes = {
      'GET /v1/credentials/microsoft-onedrive': () => ({
        json: aCredential(Date.now(), 3600_000, {
          credentialFor: 'installation',
          credentialId: 'ins_1',
          resource: { kind: 'drive', driveId: 'b!drive', siteId: null, webUrl: null },
        }),
      }),
      'GET drives/b!drive/root/children': () => graph({ value: [] }),
      'GET drives/b!drive/items/X': () => graph(item('X')),
    };
    await authpipe.files.listChildren({ tenantId: 'org_inst' });
    await authpipe.files.getItem({ tenantId: 'org_inst', itemId: 'X' });
    expect(server.on('/v1/credentials/microsoft-onedrive')).toHaveLength(1);
    expect(proxied().map((r) => r.headers['authpipe-user-id'])).toEqual([undefined, undefined]);
  });

  it("names a drive by id, and throws Graph's refusals as GraphError with Graph's code", async () => {
    routes = {
      'GET drives/d%201/items/it%201': () => graph(item('it 1', { folder: { childCount: 0 } })),
      'GET drives/d%201/items/file': () => graph(item('file', { file: { mimeType: 'text/plain' } })),
      'GET drives/d%201/items/gone': () => graph({ error: { code: 'itemNotFound', message: 'Item not found' } }, 404),
    };
    const target = { ...user, driveId: 'd 1' };
    expect((await authpipe.files.getFolder({ ...target, folderId: 'it 1' })).id).toBe('it 1');
    await expect(authpipe.files.getFolder({ ...target, folderId: 'file' })).rejects.toMatchObject({
      code: 'notAFolder',
    });
    const error = await authpipe.files.getItem({ ...target, itemId: 'gone' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphError);
    expect(error).toMatchObject({ code: 'itemNotFound', status: 404, message: 'Item not found' });
  });

  it('downloads through the pre-authenticated URL Graph redirects to, sending it no credential', async () => {
    const content = Buffer.alloc(1024 * 1024, 3);
    routes = {
      'GET me/drive/items/F/content': () => graph(undefined, 302, { location: `${server.url}/download/F?tempauth=t` }),
      'GET /download/F': () => ({ body: content, headers: { 'content-type': 'application/octet-stream' } }),
    };
    const response = await authpipe.files.download({ ...user, itemId: 'F' });
    expect(Buffer.from(await response.arrayBuffer()).equals(content)).toBe(true);
    const direct = server.on('/download/F')[0];
    expect(direct.headers.authorization).toBeUndefined();
    expect(direct.headers['authpipe-tenant-id']).toBeUndefined();
    expect(direct.query.get('tempauth')).toBe('t');
  });

  it('uploads a small file in one request into the folder', async () => {
    routes = {
      'PUT me/drive/items/P:/report%20v2.txt:/content?%40microsoft.graph.conflictBehavior=replace': (request) =>
        graph(item('new', { size: request.body.byteLength }), 201),
    };
    const uploaded = await authpipe.files.upload({
      ...user,
      parentId: 'P',
      name: 'report v2.txt',
      content: 'hello',
      contentType: 'text/plain',
      conflictBehavior: 'replace',
    });
    expect(uploaded).toMatchObject({ id: 'new', size: 5 });
    expect(proxied()[0].headers['content-type']).toBe('text/plain');
    expect(proxied()[0].body.toString()).toBe('hello');
  });

  it('uploads a large stream through an upload session in 320 KiB-multiple byte ranges, without credentials', async () => {
    const size = 5 * 1024 * 1024 + 100;
    const source = Buffer.alloc(size);
    for (let i = 0; i < size; i++) source[i] = i % 251;
    const received: Buffer[] = [];
    routes = {
      'POST me/drive/root:/big.bin:/createUploadSession': () =>
        graph({ uploadUrl: `${server.url}/upload/s1`, expirationDateTime: new Date().toISOString() }),
      'PUT /upload/s1': (request) => {
        received.push(request.body);
        const total = received.reduce((n, b) => n + b.byteLength, 0);
        return total < size
          ? { status: 202, json: { nextExpectedRanges: [`${total}-`] } }
          : { status: 201, json: item('big', { size: total }) };
      },
    };
    // Pieces of odd sizes, as a network stream delivers them.
    const pieces = Array.from({ length: Math.ceil(size / 70_001) }, (_, i) =>
      source.subarray(i * 70_001, (i + 1) * 70_001),
    );
    const chunkSize = 4 * UPLOAD_CHUNK_UNIT_BYTES;
    const uploaded = await authpipe.files.upload({
      ...user,
      name: 'big.bin',
      content: Readable.from(pieces),
      size,
      chunkSize,
    });

    expect(uploaded).toMatchObject({ id: 'big', size });
    expect(Buffer.concat(received).equals(source)).toBe(true);
    const puts = server.on('/upload/s1');
    expect(puts.map((r) => r.headers['content-range'])).toEqual(
      received.map((_, i) => `bytes ${i * chunkSize}-${Math.min(size, (i + 1) * chunkSize) - 1}/${size}`),
    );
    expect(received.slice(0, -1).every((b) => b.byteLength === chunkSize)).toBe(true);
    expect(puts.every((r) => r.headers.authorization === undefined)).toBe(true);
    expect(JSON.parse(proxied()[0].body.toString())).toEqual({
      item: { '@microsoft.graph.conflictBehavior': 'fail', name: 'big.bin' },
    });
  });

  it('cancels the upload session when a range is refused', async () => {
    routes = {
      'POST me/drive/root:/big.bin:/createUploadSession': () => graph({ uploadUrl: `${server.url}/upload/s2` }),
      'PUT /upload/s2': () => ({ status: 416, json: { error: { code: 'invalidRange', message: 'bad range' } } }),
      'DELETE /upload/s2': () => ({ status: 204 }),
    };
    const content = Buffer.alloc(5 * 1024 * 1024);
    await expect(authpipe.files.upload({ ...user, name: 'big.bin', content })).rejects.toMatchObject({
      code: 'invalidRange',
      status: 416,
    });
    expect(server.on('/upload/s2').map((r) => r.method)).toEqual(['PUT', 'DELETE']);
  });

  it('creates a folder, searches, moves and deletes', async () => {
    routes = {
      'POST me/drive/root/children': () => graph(item('folder', { folder: {} }), 201),
      "GET me/drive/root/search(q='it''s%20here')": () => graph({ value: [item('hit')] }),
      'PATCH me/drive/items/hit': () => graph(item('hit', { parentReference: { id: 'folder' } })),
      'DELETE me/drive/items/hit': () => graph(undefined, 204),
    };
    const folder = await authpipe.files.createFolder({ ...user, name: 'Reports' });
    expect(JSON.parse(proxied()[0].body.toString())).toEqual({
      name: 'Reports',
      folder: {},
      '@microsoft.graph.conflictBehavior': 'fail',
    });
    const found = await authpipe.files.search({ ...user, query: "it's here" });
    expect(found.items.map((i) => i.id)).toEqual(['hit']);
    const moved = await authpipe.files.move({ ...user, itemId: 'hit', parentId: folder.id, name: 'renamed.txt' });
    expect(moved.parentReference?.id).toBe('folder');
    expect(JSON.parse(proxied()[2].body.toString())).toEqual({
      parentReference: { id: 'folder' },
      name: 'renamed.txt',
    });
    await authpipe.files.delete({ ...user, itemId: 'hit' });
    expect(proxied().map((r) => r.method)).toEqual(['POST', 'GET', 'PATCH', 'DELETE']);
  });

  it('turns a Graph nextLink of any cloud into a path relative to the API version', () => {
    expect(cursorOf('https://graph.microsoft.us/v1.0/drives/d/root/children?$skiptoken=a')).toBe(
      'drives/d/root/children?$skiptoken=a',
    );
    expect(cursorOf('https://127.0.0.1:4443/graph/beta/me/drive/root/children')).toBe('me/drive/root/children');
    expect(cursorOf(undefined)).toBeNull();
  });
});
