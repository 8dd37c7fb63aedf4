// ANY /v1/proxy/microsoft-onedrive/* through HTTP against the real vault and the emulator's Graph:
// forwarding with the credential, 401 → refresh → one replay, 429/503 and 302 passed through,
// paths that try to leave Graph refused before anything is sent, tenant isolation, and deletes
// evicting the served credential on every replica.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidationBus } from '../../../apps/vault/src/bus/invalidation-bus';
import { ServedCredentialCache } from '../../../apps/vault/src/get-credential/served-credential-cache';
import { REPLAYABLE_BODY_BYTES } from '../../../apps/vault/src/proxy/proxy.service';
import { FORCED_REFRESH_INTERVAL_MS } from '../../../apps/vault/src/refresh/refresh-timing';
import {
  aCredentialWorld,
  aLiveConnection,
  anExpiringInstallation,
  aProject,
  bearer,
  type RegisteredApp,
  type TestProject,
} from '@test/support/builders';
import { rawRequest, type RawResponse } from '@test/support/raw-http';
import { SEED, useTestEmulator } from '@test/support/test-emulator';
import { useReplicas, useTestVault, type TestVault } from '@test/support/test-vault';

const PROVIDER = 'microsoft-onedrive';
const MARKETING = SEED.contoso.marketingSite;

describe('Graph proxy (e2e)', () => {
  const t = useTestEmulator();
  const vault = useTestVault(() => ({ emulator: t }));
  const replicas = useReplicas(vault);
  let project: TestProject;
  let registered: RegisteredApp;
  let appId: string;
  let origin: string;
  let tenants = 0;

  beforeAll(async () => {
    ({ project, registered, appId } = await aCredentialWorld(vault, t));
    await vault.app.listen({ host: '127.0.0.1', port: 0 });
    origin = await vault.app.getUrl();
  });
  afterAll(async () => {
    await t.control('DELETE', '/faults');
  });

  const aTenant = () => `org_proxy_${++tenants}`;
  /** An installation whose stored token is about to expire, so the first use mints a real one. */
  const anInstalledTenant = async (): Promise<string> => {
    const tenantId = aTenant();
    await anExpiringInstallation(vault, { project, appId }, tenantId);
    return tenantId;
  };
  const proxy = (
    method: string,
    path: string,
    subject: { tenantId: string; userId?: string },
    options: { headers?: Record<string, string>; body?: Buffer | string; key?: string; on?: string } = {},
  ): Promise<RawResponse> =>
    rawRequest(
      options.on ?? origin,
      method,
      `/v1/proxy/${PROVIDER}/${path}`,
      {
        ...bearer(options.key ?? project.key),
        'authpipe-tenant-id': subject.tenantId,
        ...(subject.userId !== undefined ? { 'authpipe-user-id': subject.userId } : {}),
        ...options.headers,
      },
      options.body,
    );
  /** The fields of Graph's answers and the vault's errors these tests read. */
  interface Answer {
    value: { id: string; name: string }[];
    id: string;
    size: number;
    parentReference: { id: string };
    userPrincipalName: string;
    uploadUrl: string;
    error: { code: string; details?: unknown };
  }
  const json = (res: RawResponse) => JSON.parse(res.body.toString('utf8')) as Answer;
  const graphRequests = (pathPart: string) =>
    t.emulator.context.services.requestLog
      .list()
      .filter((r) => r.path.startsWith('/v1.0/') && r.path.includes(pathPart));
  const tokenOf = async (tenantId: string): Promise<string> => {
    const res = await vault
      .api()
      .get(`/v1/credentials/${PROVIDER}`)
      .query({ tenantId, credentialFor: 'installation' })
      .set(bearer(project.key))
      .expect(200);
    return res.body.credential as string;
  };
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

  describe('forwarding', () => {
    it("lists a drive's children with the installation's token and marks the reply as Graph's", async () => {
      const tenantId = await anInstalledTenant();
      const res = await proxy('GET', `drives/${MARKETING.driveId}/root/children?$select=id,name`, { tenantId });
      expect(res.status, res.body.toString()).toBe(200);
      expect(res.headers['authpipe-upstream']).toBe('microsoft-graph');
      expect(res.headers['request-id']).toBeDefined();
      expect(json(res).value.map((i: { name: string }) => i.name)).toEqual(['Brand guidelines.txt', 'Campaigns']);
    });

    it('creates, searches, moves and deletes items with JSON bodies', async () => {
      const tenantId = await anInstalledTenant();
      const drive = `drives/${MARKETING.driveId}`;
      const folder = await proxy(
        'POST',
        `${drive}/root/children`,
        { tenantId },
        {
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: `Proxy ${tenantId}`, folder: {} }),
        },
      );
      expect(folder.status, folder.body.toString()).toBe(201);
      const upload = await proxy(
        'PUT',
        `${drive}/root:/Proxy%20${tenantId}/notes.txt:/content`,
        { tenantId },
        {
          headers: { 'content-type': 'text/plain' },
          body: 'quarterly proxy notes',
        },
      );
      expect(upload.status, upload.body.toString()).toBe(201);
      const found = await proxy('GET', `${drive}/root/search(q='quarterly%20proxy')`, { tenantId });
      expect(json(found).value.map((i: { id: string }) => i.id)).toEqual([json(upload).id]);
      const moved = await proxy(
        'PATCH',
        `${drive}/items/${json(upload).id}`,
        { tenantId },
        {
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ parentReference: { id: MARKETING.campaignsFolderId }, name: `${tenantId}.txt` }),
        },
      );
      expect(moved.status, moved.body.toString()).toBe(200);
      expect(json(moved).parentReference.id).toBe(MARKETING.campaignsFolderId);
      expect((await proxy('DELETE', `${drive}/items/${json(upload).id}`, { tenantId })).status).toBe(204);
      expect((await proxy('DELETE', `${drive}/items/${json(folder).id}`, { tenantId })).status).toBe(204);
    });

    it('passes the 302 to the pre-authenticated download URL through without following it', async () => {
      const tenantId = await anInstalledTenant();
      const before = t.emulator.context.services.requestLog.list().length;
      const res = await proxy('GET', `drives/${MARKETING.driveId}/items/${MARKETING.brandFileId}/content`, {
        tenantId,
      });
      expect(res.status).toBe(302);
      expect(res.body.length).toBe(0);
      const location = res.headers.location!;
      expect(location).toContain('/_layouts/15/download.aspx');
      // The vault never fetched the download URL itself.
      const after = t.emulator.context.services.requestLog.list().slice(before);
      expect(after.filter((r) => r.path.includes('download.aspx'))).toEqual([]);
      const download = await t.browser.request({ method: 'GET', url: location });
      expect(download.status).toBe(200);
      expect(download.body.toString('utf8')).toContain('Contoso blue');
    });

    it("streams a file's bytes from contentStream with a Range", async () => {
      const tenantId = await anInstalledTenant();
      const res = await proxy(
        'GET',
        `drives/${MARKETING.driveId}/items/${MARKETING.brandFileId}/contentStream`,
        { tenantId },
        { headers: { range: 'bytes=0-4' } },
      );
      expect(res.status).toBe(206);
      expect(res.headers['content-range']).toMatch(/^bytes 0-4\/\d+$/);
      expect(res.body.toString('utf8')).toHaveLength(5);
    });

    it('opens an upload session through the proxy; its upload URL takes the fragments directly', async () => {
      const tenantId = await anInstalledTenant();
      const session = await proxy(
        'POST',
        `drives/${MARKETING.driveId}/root:/big-${tenantId}.bin:/createUploadSession`,
        { tenantId },
        { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ item: {} }) },
      );
      expect(session.status, session.body.toString()).toBe(200);
      const { uploadUrl } = json(session);
      const file = Buffer.alloc(320 * 1024 + 10, 7);
      const first = await t.browser.request({
        method: 'PUT',
        url: uploadUrl,
        headers: { 'content-range': `bytes 0-${320 * 1024 - 1}/${file.length}` },
        body: file.subarray(0, 320 * 1024),
      });
      expect(first.status).toBe(202);
      const last = await t.browser.request({
        method: 'PUT',
        url: uploadUrl,
        headers: { 'content-range': `bytes ${320 * 1024}-${file.length - 1}/${file.length}` },
        body: file.subarray(320 * 1024),
      });
      expect(last.status, last.body.toString()).toBe(201);
      expect(JSON.parse(last.body.toString('utf8')).size).toBe(file.length);
    });
  });

  describe('401 from Graph', () => {
    it("refreshes a user's token once and retries the request (one refresh at the token endpoint)", async () => {
      const tenantId = aTenant();
      const { userId } = await aLiveConnection(vault, t, { projectId: project.projectId, appId, tenantId }, registered);
      // The stored access token is a placeholder Graph refuses; a forced refresh is allowed again.
      vault.clock.advance(FORCED_REFRESH_INTERVAL_MS);
      const refreshes = t.tokenCalls('refresh_token');
      const before = graphRequests('/v1.0/me').length;

      const res = await proxy('GET', 'me', { tenantId, userId });

      expect(res.status, res.body.toString()).toBe(200);
      expect(json(res).userPrincipalName).toMatch(/^live-/);
      expect(t.tokenCalls('refresh_token')).toBe(refreshes + 1);
      const sent = graphRequests('/v1.0/me').slice(before);
      expect(sent.map((r) => r.status)).toEqual([401, 200]);
    });

    it("replays a small body after an installation's token is refused, creating the folder once", async () => {
      const tenantId = await anInstalledTenant();
      const token = await tokenOf(tenantId);
      vault.clock.advance(FORCED_REFRESH_INTERVAL_MS);
      await t.control('POST', '/faults', {
        kind: 'status',
        status: 401,
        tokenSha256: sha256(token),
        pathPrefix: '/v1.0/',
        count: 1,
      });
      const mints = t.tokenCalls('client_credentials');

      const res = await proxy(
        'POST',
        `drives/${MARKETING.driveId}/root/children`,
        { tenantId },
        {
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: `Replayed ${tenantId}`, folder: {} }),
        },
      );

      expect(res.status, res.body.toString()).toBe(201);
      expect(t.tokenCalls('client_credentials')).toBe(mints + 1);
      expect(await tokenOf(tenantId)).not.toBe(token);
      const children = await proxy('GET', `drives/${MARKETING.driveId}/root/children`, { tenantId });
      expect(json(children).value.filter((i: { name: string }) => i.name === `Replayed ${tenantId}`)).toHaveLength(1);
    });

    it('passes the 401 back for a body too large to replay, having refreshed for the next request', async () => {
      const tenantId = await anInstalledTenant();
      const token = await tokenOf(tenantId);
      vault.clock.advance(FORCED_REFRESH_INTERVAL_MS);
      await t.control('POST', '/faults', {
        kind: 'status',
        status: 401,
        tokenSha256: sha256(token),
        pathPrefix: '/v1.0/',
        count: 1,
      });
      const mints = t.tokenCalls('client_credentials');
      const body = Buffer.alloc(REPLAYABLE_BODY_BYTES + 1, 1);
      const path = `drives/${MARKETING.driveId}/root:/large-${tenantId}.bin:/content`;

      const refused = await proxy('PUT', path, { tenantId }, { body });

      expect(refused.status).toBe(401);
      expect(refused.headers['authpipe-upstream']).toBe('microsoft-graph');
      expect(refused.headers['www-authenticate']).toBeUndefined();
      expect(json(refused).error.code).toBe('InvalidAuthenticationToken');
      expect(t.tokenCalls('client_credentials')).toBe(mints + 1);
      const again = await proxy('PUT', path, { tenantId }, { body });
      expect(again.status, again.body.toString()).toBe(201);
      expect(json(again).size).toBe(body.length);
    });
  });

  describe('throttling and outages', () => {
    it.each([429, 503])('passes Graph’s %i through with its Retry-After', async (status) => {
      const tenantId = await anInstalledTenant();
      await tokenOf(tenantId);
      await t.control('POST', '/faults', {
        kind: 'status',
        status,
        retryAfterSeconds: 7,
        pathPrefix: `/v1.0/drives/${MARKETING.driveId}`,
        count: 1,
      });
      const res = await proxy('GET', `drives/${MARKETING.driveId}/root/children`, { tenantId });
      expect(res.status).toBe(status);
      expect(res.headers['retry-after']).toBe('7');
      expect(res.headers['authpipe-upstream']).toBe('microsoft-graph');
      expect(json(res).error.code).toBe(status === 429 ? 'TooManyRequests' : 'serviceNotAvailable');
    });
  });

  describe('refusals', () => {
    it.each([
      ['../../v1/tenants', 'dot_segment'],
      ['me/../../../v1/tenants', 'dot_segment'],
      ['%2e%2e/%2e%2e/v1/tenants', 'encoded_separator'],
      ['me%2f..%2f..%2fbeta', 'encoded_separator'],
      ['/evil.example/v1.0/me', 'absolute_url'],
      ['https://evil.example/v1.0/me', 'absolute_url'],
      ['me\\..\\..\\evil', 'backslash'],
      ['attacker@evil.example/me', 'userinfo'],
      ['me//evil.example', 'empty_segment'],
    ])('refuses %j (%s) without calling Graph or reading the credential', async (path, reason) => {
      const tenantId = await anInstalledTenant();
      const before = t.emulator.context.services.requestLog.list().length;
      const res = await proxy('GET', path, { tenantId });
      expect(res.status).toBe(400);
      expect(res.headers['authpipe-upstream']).toBeUndefined();
      expect(json(res).error).toMatchObject({ code: 'proxy_target_not_allowed', details: { reason } });
      expect(t.emulator.context.services.requestLog.list().length).toBe(before);
    });

    it('never forwards the API key, and answers without one like every /v1 route', async () => {
      const tenantId = await anInstalledTenant();
      const res = await rawRequest(origin, 'GET', `/v1/proxy/${PROVIDER}/me`, { 'authpipe-tenant-id': tenantId });
      expect(res.status).toBe(401);
      expect(json(res).error.code).toBe('missing_api_key');
    });

    it('asks for the tenant header and refuses providers it does not proxy', async () => {
      const noTenant = await rawRequest(origin, 'GET', `/v1/proxy/${PROVIDER}/me`, bearer(project.key));
      expect(noTenant.status).toBe(400);
      expect(json(noTenant).error.code).toBe('invalid_request');
      const other = await rawRequest(origin, 'GET', '/v1/proxy/google-drive/me', {
        ...bearer(project.key),
        'authpipe-tenant-id': 'org_x',
      });
      expect(other.status).toBe(404);
      expect(json(other).error.code).toBe('provider_not_found');
    });

    it("answers another tenant's user, or another project's, exactly like a missing one", async () => {
      const [tenantA, tenantB] = [aTenant(), aTenant()];
      const userId = `user_shared_${tenantA}`;
      const other = await aProject(vault, 'Other project');
      const ask = () =>
        Promise.all([
          proxy('GET', 'me', { tenantId: tenantB, userId }),
          proxy('GET', 'me', { tenantId: tenantA, userId }, { key: other.key }),
        ]);
      const [missingHere, missingThere] = await ask();

      await aLiveConnection(vault, t, { projectId: project.projectId, appId, tenantId: tenantA, userId }, registered);
      vault.clock.advance(FORCED_REFRESH_INTERVAL_MS);
      expect((await proxy('GET', 'me', { tenantId: tenantA, userId })).status).toBe(200);
      const [otherTenant, otherProject] = await ask();

      for (const [before, after] of [
        [missingHere, otherTenant],
        [missingThere, otherProject],
      ]) {
        expect(after.status).toBe(404);
        expect(json(after).error.code).toBe('credential_not_found');
        expect(after.body.equals(before.body)).toBe(true);
      }
    });
  });

  describe('deletes', () => {
    const servedOn = (v: TestVault) => v.get(ServedCredentialCache).size;

    it('a deleted connection is evicted from every replica’s cache and refused at once', async () => {
      const replica = await replicas({ emulator: t });
      const replicaOrigin = await listening(replica);
      const tenantId = aTenant();
      const { id, userId } = await aLiveConnection(
        vault,
        t,
        { projectId: project.projectId, appId, tenantId },
        registered,
      );
      vault.clock.advance(FORCED_REFRESH_INTERVAL_MS);
      // The first call refreshes the placeholder token (which drops what it cached); the next ones are served warm.
      for (const on of [origin, origin, replicaOrigin])
        expect((await proxy('GET', 'me', { tenantId, userId }, { on })).status).toBe(200);
      const [here, there] = [servedOn(vault), servedOn(replica)];
      expect(Math.min(here, there)).toBeGreaterThan(0);

      // On PostgreSQL the other replica hears of the delete over LISTEN/NOTIFY, after the commit.
      const heardThere = new Promise<void>((resolve) => {
        const stop = replica.get(InvalidationBus).subscribe('credential.changed', (message) => {
          if (message.id !== id) return;
          stop();
          resolve();
        });
      });

      await vault.api().delete(`/v1/connections/${id}`).set(bearer(project.key)).expect(204);
      await heardThere;

      expect(servedOn(vault)).toBe(here - 1);
      expect(servedOn(replica)).toBe(there - 1);
      for (const on of [origin, replicaOrigin]) {
        const res = await proxy('GET', 'me', { tenantId, userId }, { on });
        expect(res.status).toBe(404);
        expect(json(res).error.code).toBe('credential_not_found');
      }
    });

    it('a deleted installation is refused at once', async () => {
      const tenantId = await anInstalledTenant();
      expect((await proxy('GET', `drives/${MARKETING.driveId}`, { tenantId })).status).toBe(200);
      const list = await vault.api().get('/v1/installations').query({ tenantId }).set(bearer(project.key)).expect(200);
      const id = list.body.data[0].id as string;
      await vault.api().delete(`/v1/installations/${id}`).set(bearer(project.key)).expect(204);
      const res = await proxy('GET', `drives/${MARKETING.driveId}`, { tenantId });
      expect(res.status).toBe(404);
      expect(json(res).error.code).toBe('credential_not_found');
    });
  });
});

async function listening(v: TestVault): Promise<string> {
  await v.app.listen({ host: '127.0.0.1', port: 0 });
  return v.app.getUrl();
}
