// NEEDS THE PROXY BRANCH: @authpipe/node's proxy and file actions through a real vault's
// ANY /v1/proxy/microsoft-onedrive/* and the emulator's Graph. Written against the route's
// contract (Graph path relative to its version; Authpipe-Tenant-Id / Authpipe-User-Id; replies
// from Graph marked `authpipe-upstream`; 302 downloads passed back), not committed on node-sdk,
// whose base has no proxy route. Passed (3/3, PGlite) on main with the proxy merged + node-sdk.
import { randomBytes } from 'node:crypto';
import { Agent, fetch as undiciFetch } from 'undici';
import { beforeAll, describe, expect, it } from 'vitest';
import { CredentialNotFoundError, type FetchLike } from '@authpipe/node';
import { aCredentialWorld, anExpiringInstallation, type TestProject } from '@test/support/builders';
import { aCountedClient, listen } from '@test/support/sdk-client';
import { SEED, useTestEmulator } from '@test/support/test-emulator';
import { useTestVault } from '@test/support/test-vault';

const DRIVE = SEED.contoso.marketingSite.driveId;

describe('@authpipe/node file actions through the Graph proxy (e2e)', () => {
  const t = useTestEmulator();
  const vault = useTestVault(() => ({ emulator: t }));
  let project: TestProject;
  let baseUrl: string;
  let appId: string;
  let tenantId: string;
  // Downloads and upload sessions go straight to the emulator's pre-authenticated URLs (HTTPS, its CA).
  let fetchWithCa: FetchLike;

  beforeAll(async () => {
    baseUrl = await listen(vault);
    ({ project, appId } = await aCredentialWorld(vault, t));
    tenantId = 'org_files';
    // Its stored token about to expire, so the first use mints a real app-only token.
    await anExpiringInstallation(vault, { project, appId }, tenantId);
    const dispatcher = new Agent({ connect: { ca: t.emulator.caCertPem } });
    fetchWithCa = (input, init) =>
      undiciFetch(input, {
        ...(init as Parameters<typeof undiciFetch>[1]),
        dispatcher,
      }) as unknown as Promise<Response>;
  });

  const client = () => aCountedClient(vault, baseUrl, project.key, { fetch: fetchWithCa });

  it("creates, uploads, reads, downloads, searches, moves and deletes in the installation's drive", async () => {
    const { authpipe } = client();
    const target = { tenantId };
    const root = await authpipe.files.listChildren(target);
    expect(Array.isArray(root.items)).toBe(true);

    const folder = await authpipe.files.createFolder({ ...target, name: `sdk-${Date.now()}` });
    expect((await authpipe.files.getFolder({ ...target, folderId: folder.id })).folder).toBeDefined();
    const uploaded = await authpipe.files.upload({
      ...target,
      parentId: folder.id,
      name: 'notes.txt',
      content: 'hello graph',
    });
    expect(uploaded).toMatchObject({ name: 'notes.txt', size: 11 });
    expect((await authpipe.files.listChildren({ ...target, folderId: folder.id })).items.map((i) => i.id)).toEqual([
      uploaded.id,
    ]);

    const download = await authpipe.files.download({ ...target, itemId: uploaded.id });
    expect(await download.text()).toBe('hello graph');

    const found = await authpipe.files.search({ ...target, query: 'notes' });
    expect(found.items.map((i) => i.id)).toContain(uploaded.id);

    const other = await authpipe.files.createFolder({ ...target, name: `${folder.name}-moved` });
    const moved = await authpipe.files.move({ ...target, itemId: uploaded.id, parentId: other.id, name: 'moved.txt' });
    expect(moved).toMatchObject({ name: 'moved.txt', parentReference: { id: other.id } });

    await authpipe.files.delete({ ...target, itemId: moved.id });
    await expect(authpipe.files.getItem({ ...target, itemId: moved.id })).rejects.toMatchObject({
      code: 'itemNotFound',
      status: 404,
    });
  });

  it('uploads a large file through an upload session and downloads it intact', async () => {
    const { authpipe } = client();
    const content = randomBytes(6 * 1024 * 1024 + 123);
    const uploaded = await authpipe.files.upload({ tenantId, driveId: DRIVE, name: `big-${Date.now()}.bin`, content });
    expect(uploaded.size).toBe(content.byteLength);
    const download = await authpipe.files.download({ tenantId, driveId: DRIVE, itemId: uploaded.id });
    expect(Buffer.from(await download.arrayBuffer()).equals(content)).toBe(true);
  });

  it("answers Graph's replies through proxy() as they are, and throws the vault's refusals typed", async () => {
    const { authpipe } = client();
    const drive = await authpipe.proxy({ path: `/drives/${DRIVE}`, tenantId });
    expect(drive.status).toBe(200);
    expect(drive.headers.get('authpipe-upstream')).toBe('microsoft-graph');
    expect(((await drive.json()) as { id: string }).id).toBe(DRIVE);
    await expect(authpipe.proxy({ path: 'me/drive', tenantId: 'org_nobody' })).rejects.toBeInstanceOf(
      CredentialNotFoundError,
    );
    await expect(authpipe.proxy({ path: 'drives/a%2F..%2Fb/root', tenantId })).rejects.toMatchObject({
      status: 400,
    });
  });
});
