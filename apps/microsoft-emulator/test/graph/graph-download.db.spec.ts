import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED } from '../../src/directory/seed';
import { DOWNLOAD_URL_LIFETIME_MS } from '../../src/graph/drive/download-links';
import { DownloadHandler } from '../../src/graph/http/download.handler';
import { DEMO_APP, GraphHarness, graphErrorOf, send } from '../support/graph-harness';

const contoso = SEED.contoso;
const marketing = contoso.marketingSite;
const brandPath = `/v1.0/drives/${marketing.driveId}/items/${marketing.brandFileId}`;

describe(DownloadHandler.name, () => {
  let h: GraphHarness;
  let app: string;

  beforeAll(async () => {
    h = await GraphHarness.start();
    app = await h.appToken(contoso.tenantId, DEMO_APP);
  });

  afterAll(async () => {
    await h.close();
  });

  it('redirects GET .../content with 302 to a URL on the same origin that needs no Authorization', async () => {
    const redirect = await h.graph(app, `${brandPath}/content`);
    expect(redirect.status).toBe(302);
    const location = String(redirect.headers.location);
    expect(location.startsWith(`${h.base}/_layouts/15/download.aspx?`)).toBe(true);
    const file = await send(location);
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toBe('text/plain');
    expect(file.headers['content-disposition']).toBe("attachment; filename*=UTF-8''Brand%20guidelines.txt");
    expect(file.body.toString('utf8')).toBe('Use the Contoso blue. Never stretch the logo.\n');
  });

  it('serves the same bytes through the path-addressed content route and the item annotation', async () => {
    const byPath = await h.graph(app, `/v1.0/drives/${marketing.driveId}/root:/Campaigns/Spring%20launch.txt:/content`);
    expect((await send(String(byPath.headers.location))).body.toString('utf8')).toBe(
      'Launch on 1 April. Budget: 40k.\n',
    );
    const item = await h.graph(app, `/v1.0/drives/${marketing.driveId}/items/${marketing.launchFileId}`);
    expect((await send(String(item.json['@microsoft.graph.downloadUrl']))).status).toBe(200);
  });

  it('serves a byte range of the download URL with 206 and Content-Range, and 416 past the end', async () => {
    const url = String((await h.graph(app, `${brandPath}/content`)).headers.location);
    const partial = await send(url, { headers: { range: 'bytes=4-11' } });
    expect(partial.status).toBe(206);
    expect(partial.headers['content-range']).toBe('bytes 4-11/46');
    expect(partial.body.toString('utf8')).toBe('the Cont');
    const beyond = await send(url, { headers: { range: 'bytes=46-' } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers['content-range']).toBe('bytes */46');
  });

  it('answers 304 when If-None-Match carries the current eTag, and 400 for a folder', async () => {
    const item = await h.graph(app, brandPath);
    const notModified = await h.graph(app, `${brandPath}/content`, {
      headers: { 'if-none-match': String(item.json.eTag) },
    });
    expect(notModified.status).toBe(304);
    const folder = await h.graph(app, `/v1.0/drives/${marketing.driveId}/items/${marketing.campaignsFolderId}/content`);
    expect(graphErrorOf(folder)).toEqual({ status: 400, code: 'invalidRequest' });
  });

  it('refuses a tampered tempauth and a tempauth presented for another item with 401', async () => {
    const location = new URL(String((await h.graph(app, `${brandPath}/content`)).headers.location));
    const tempauth = String(location.searchParams.get('tempauth'));
    const tampered = new URL(location);
    tampered.searchParams.set('tempauth', `${tempauth.slice(0, -2)}xx`);
    const refused = await send(tampered.toString());
    expect(refused.status).toBe(401);
    expect(refused.body.toString('utf8')).not.toContain(tempauth);
    const otherItem = new URL(location);
    otherItem.searchParams.set('UniqueId', marketing.launchFileId);
    expect((await send(otherItem.toString())).status).toBe(401);
  });

  it('answers 404 once the item is deleted, even with a URL that has not expired', async () => {
    const upload = await h.graph(app, `/v1.0/drives/${marketing.driveId}/root:/short-lived.txt:/content`, {
      method: 'PUT',
      body: 'soon gone',
      headers: { 'content-type': 'text/plain' },
    });
    const url = String(upload.json['@microsoft.graph.downloadUrl']);
    expect((await send(url)).status).toBe(200);
    expect(
      (await h.graph(app, `/v1.0/drives/${marketing.driveId}/items/${String(upload.json.id)}`, { method: 'DELETE' }))
        .status,
    ).toBe(204);
    expect((await send(url)).status).toBe(404);
  });

  // Last in the file: it moves the emulator clock.
  it('stops working once its lifetime has passed on the emulator clock', async () => {
    const url = String((await h.graph(app, `${brandPath}/content`)).headers.location);
    h.emulator.clock.advance(DOWNLOAD_URL_LIFETIME_MS - 1000);
    expect((await send(url)).status).toBe(200);
    h.emulator.clock.advance(1000);
    const expired = await send(url);
    expect(expired.status).toBe(401);
    expect(expired.json.error.message).toBe('The download URL has expired or is not valid.');
  });
});
