import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED } from '../../src/directory/seed';
import { UploadSessionHandlers } from '../../src/graph/handlers/upload-session.handlers';
import { DEMO_APP, GraphHarness, graphErrorOf, send } from '../support/graph-harness';

const contoso = SEED.contoso;
const marketing = contoso.marketingSite;
const KIB320 = 320 * 1024;

describe(UploadSessionHandlers.name, () => {
  let h: GraphHarness;
  let adele: string;

  beforeAll(async () => {
    h = await GraphHarness.start();
    adele = await h.userToken(DEMO_APP, contoso.adele.upn, ['Files.ReadWrite']);
  });
  afterAll(async () => {
    await h.close();
  });

  const createSession = (path: string, body?: unknown) =>
    h.graph(adele, `/v1.0/me/drive${path}/createUploadSession`, {
      method: 'POST',
      ...(body !== undefined ? { jsonBody: body } : {}),
    });
  const fragment = (url: string, bytes: Buffer, start: number, total: number, headers: Record<string, string> = {}) =>
    send(url, {
      method: 'PUT',
      headers: { 'content-range': `bytes ${start}-${start + bytes.length - 1}/${total}`, ...headers },
      body: bytes,
    });
  // The upload URL names the origin the client used; the harness reaches it over plain HTTP.
  const local = (uploadUrl: string) => `${h.base}${new URL(uploadUrl).pathname}`;

  it('takes a file in ordered byte ranges: 202 with the next expected range, then 201 with the item', async () => {
    const session = await createSession('/root:/Uploads/big.bin:', {
      item: { '@microsoft.graph.conflictBehavior': 'rename' },
    });
    expect(session.status, session.body.toString()).toBe(200);
    expect(session.json).toMatchObject({ uploadUrl: expect.any(String), expirationDateTime: expect.any(String) });
    const url = local(String(session.json.uploadUrl));
    const file = randomBytes(2 * KIB320 + 123);

    const first = await fragment(url, file.subarray(0, KIB320), 0, file.length);
    expect(first.status).toBe(202);
    expect(first.json.nextExpectedRanges).toEqual([`${KIB320}-`]);
    const status = await send(url);
    expect(status.json.nextExpectedRanges).toEqual([`${KIB320}-`]);
    expect((await fragment(url, file.subarray(KIB320, 2 * KIB320), KIB320, file.length)).status).toBe(202);
    const last = await fragment(url, file.subarray(2 * KIB320), 2 * KIB320, file.length);

    expect(last.status, last.body.toString()).toBe(201);
    expect(last.json).toMatchObject({ name: 'big.bin', size: file.length });
    const redirect = await h.graph(adele, `/v1.0/me/drive/items/${String(last.json.id)}/content`);
    expect((await send(String(redirect.headers.location))).body.equals(file)).toBe(true);
    // The session is over.
    expect(graphErrorOf(await send(url))).toEqual({ status: 404, code: 'itemNotFound' });
  });

  it('refuses a fragment out of order (416), a mismatched Content-Range (400) and an Authorization header (401)', async () => {
    const session = await createSession('/root:/Uploads/ordered.bin:');
    const url = local(String(session.json.uploadUrl));
    const bytes = randomBytes(KIB320);
    expect(graphErrorOf(await fragment(url, bytes, KIB320, 3 * KIB320))).toEqual({
      status: 416,
      code: 'invalidRange',
    });
    expect(
      graphErrorOf(await send(url, { method: 'PUT', headers: { 'content-range': 'bytes 0-9/100' }, body: bytes })),
    ).toEqual({ status: 400, code: 'invalidRequest' });
    expect(graphErrorOf(await fragment(url, bytes, 0, 3 * KIB320, { authorization: `Bearer ${adele}` })).status).toBe(
      401,
    );
    expect((await fragment(url, bytes, 0, 3 * KIB320)).status).toBe(202);
  });

  it('cancels a session with DELETE (204), after which its URL is not found', async () => {
    const session = await createSession('/root:/Uploads/cancelled.bin:');
    const url = local(String(session.json.uploadUrl));
    expect((await send(url, { method: 'DELETE' })).status).toBe(204);
    expect(graphErrorOf(await fragment(url, Buffer.from('x'), 0, 1))).toEqual({ status: 404, code: 'itemNotFound' });
  });

  it('uploads a new version of an existing file addressed by id (200, same id)', async () => {
    const created = await h.graph(adele, '/v1.0/me/drive/root:/versioned.txt:/content', {
      method: 'PUT',
      body: 'one',
      headers: { 'content-type': 'text/plain' },
    });
    const session = await h.graph(adele, `/v1.0/me/drive/items/${String(created.json.id)}/createUploadSession`, {
      method: 'POST',
    });
    expect(session.status, session.body.toString()).toBe(200);
    const done = await fragment(local(String(session.json.uploadUrl)), Buffer.from('two!'), 0, 4);
    expect(done.status).toBe(200);
    expect(done.json).toMatchObject({ id: created.json.id, size: 4 });
  });

  it('expires a session by the emulator clock', async () => {
    const session = await createSession('/root:/Uploads/late.bin:');
    const url = local(String(session.json.uploadUrl));
    // Last in this block: the move outlives the block's tokens too.
    h.emulator.clock.advance(2 * 3600 * 1000);
    expect(graphErrorOf(await fragment(url, Buffer.from('x'), 0, 1))).toEqual({ status: 404, code: 'itemNotFound' });
  });
});

describe('contentStream', () => {
  let h: GraphHarness;
  let app: string;

  beforeAll(async () => {
    h = await GraphHarness.start();
    app = await h.appToken(contoso.tenantId, DEMO_APP);
  });
  afterAll(async () => {
    await h.close();
  });

  it("answers with the file's bytes (no redirect), and 206 for a Range", async () => {
    const path = `/v1.0/drives/${marketing.driveId}/items/${marketing.brandFileId}/contentStream`;
    const whole = await h.graph(app, path);
    expect(whole.status).toBe(200);
    expect(whole.body.toString('utf8')).toContain('Contoso blue');
    const part = await h.graph(app, path, { headers: { range: 'bytes=0-3' } });
    expect(part.status).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 0-3/${whole.body.length}`);
    expect(part.body.equals(whole.body.subarray(0, 4))).toBe(true);
  });
});

describe('401 fault for one token', () => {
  let h: GraphHarness;

  beforeAll(async () => {
    h = await GraphHarness.start();
  });
  afterAll(async () => {
    await h.close();
  });

  it('refuses only the named token, with a Graph 401 and its challenge, for the count given', async () => {
    const [one, other] = [
      await h.appToken(contoso.tenantId, DEMO_APP),
      await h.appToken(contoso.tenantId, h.registerApp(contoso.tenantId, ['Files.Read.All'])),
    ];
    h.emulator.context.services.faults.add({
      kind: 'status',
      status: 401,
      tokenSha256: createHash('sha256').update(one).digest('hex'),
      pathPrefix: '/v1.0/',
      count: 1,
    });
    const drive = `/v1.0/drives/${marketing.driveId}`;
    expect((await h.graph(other, drive)).status).toBe(200);
    const refused = await h.graph(one, drive);
    expect(graphErrorOf(refused)).toEqual({ status: 401, code: 'InvalidAuthenticationToken' });
    expect(String(refused.headers['www-authenticate'])).toContain('authorization_uri=');
    expect((await h.graph(one, drive)).status).toBe(200);
  });
});
