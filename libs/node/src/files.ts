import type { Authpipe } from './client.js';
import { AuthpipeError, GraphError } from './errors.js';
import { graphError, pageOf } from './graph-response.js';
import type { FetchLike } from './transport.js';
import type { ProxyInput } from './types.js';
import { collect, knownSize, sendRanges, UPLOAD_CHUNK_UNIT_BYTES, type UploadContent } from './upload-session.js';

export { UPLOAD_CHUNK_UNIT_BYTES, type UploadContent } from './upload-session.js';
export { cursorOf } from './graph-response.js';

/** Whose drive a file action works on, and which one. */
export interface DriveTarget {
  /** Default `microsoft-onedrive`. */
  provider?: string;
  tenantId: string;
  /** The user whose connection to use; absent: the tenant's installation. */
  userId?: string;
  /**
   * The drive. Default: the user's own OneDrive (`/me/drive`) for a user, the drive (or site
   * library) the installation is bound to for an installation.
   */
  driveId?: string;
  signal?: AbortSignal;
}

/** A Graph driveItem (the fields most callers read; Graph's others are there too). */
export interface DriveItem {
  id: string;
  name: string;
  size?: number;
  eTag?: string;
  webUrl?: string;
  createdDateTime?: string;
  lastModifiedDateTime?: string;
  parentReference?: { driveId?: string; id?: string; path?: string };
  folder?: { childCount?: number };
  file?: { mimeType?: string; hashes?: Record<string, string> };
  [field: string]: unknown;
}

/** One page of items; pass `nextCursor` back as `cursor` for the next. */
export interface ItemPage {
  items: DriveItem[];
  nextCursor: string | null;
}

/** What to do when the name is taken: Graph's `@microsoft.graph.conflictBehavior`. */
export type ConflictBehavior = 'fail' | 'replace' | 'rename';

/** Graph's simple upload takes at most 4 MiB; larger files go through an upload session. */
export const SIMPLE_UPLOAD_MAX_BYTES = 4 * 1024 * 1024;
const DEFAULT_CHUNK_BYTES = 10 * UPLOAD_CHUNK_UNIT_BYTES;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * OneDrive and SharePoint file actions over the vault's Graph proxy: the token stays in the
 * vault. Graph's refusals throw {@link GraphError} with Graph's code (`itemNotFound`, ...);
 * the vault's throw its typed errors.
 */
export class FileActions {
  constructor(
    private readonly client: Authpipe,
    private readonly fetchImpl: FetchLike,
  ) {}

  /** The children of a folder (`folderId`, default the drive's root), a page at a time. */
  async listChildren(target: DriveTarget & { folderId?: string; top?: number; cursor?: string }): Promise<ItemPage> {
    const path =
      target.cursor ?? `${await this.item(target, target.folderId)}/children${target.top ? `?$top=${target.top}` : ''}`;
    return pageOf(await this.graph(target, 'GET', path));
  }

  /** One item (file or folder) by id. */
  async getItem(target: DriveTarget & { itemId: string }): Promise<DriveItem> {
    return (await this.graph(target, 'GET', await this.item(target, target.itemId))) as DriveItem;
  }

  /** One folder by id; a {@link GraphError} `notAFolder` when the item is a file. */
  async getFolder(target: DriveTarget & { folderId: string }): Promise<DriveItem> {
    const item = await this.getItem({ ...target, itemId: target.folderId });
    if (item.folder === undefined)
      throw new GraphError({
        code: 'notAFolder',
        message: `The item ${target.folderId} is not a folder.`,
        status: 400,
      });
    return item;
  }

  /**
   * A file's content as a streaming response. Graph answers with a 302 to a short-lived
   * pre-authenticated URL; it is fetched directly, with neither the API key nor a token.
   */
  async download(target: DriveTarget & { itemId: string }): Promise<Response> {
    const response = await this.client.proxy({
      ...this.proxyTarget(target),
      method: 'GET',
      path: `${await this.item(target, target.itemId)}/content`,
    });
    if (REDIRECTS.has(response.status)) {
      const location = response.headers.get('location');
      await response.body?.cancel();
      if (location === null || !/^https?:\/\//i.test(location))
        throw new GraphError({
          code: 'invalidRedirect',
          message: 'Graph redirected the download nowhere usable.',
          status: 502,
        });
      const direct = await this.fetchImpl(location, { redirect: 'follow', ...signalOf(target) });
      if (!direct.ok) throw await graphError(direct);
      return direct;
    }
    if (!response.ok) throw await graphError(response);
    return response;
  }

  /**
   * Uploads a file named `name` into `parentId` (default the root): one request up to 4 MiB,
   * else an upload session sent in byte ranges (`chunkSize`, a multiple of 320 KiB; default
   * 3.2 MB) straight to its pre-authenticated URL. A stream needs its `size`.
   */
  async upload(
    target: DriveTarget & {
      parentId?: string;
      name: string;
      content: UploadContent;
      size?: number;
      contentType?: string;
      conflictBehavior?: ConflictBehavior;
      chunkSize?: number;
    },
  ): Promise<DriveItem> {
    const size = target.size ?? knownSize(target.content);
    if (size === undefined)
      throw new TypeError('upload: pass `size` (in bytes) with a streamed content; an upload session needs the total.');
    const parent = await this.item(target, target.parentId);
    const named = `${parent}:/${encodeName(target.name)}:`;
    const behavior = target.conflictBehavior ?? 'fail';
    if (size <= SIMPLE_UPLOAD_MAX_BYTES) {
      const bytes = await collect(target.content);
      const response = await this.client.proxy({
        ...this.proxyTarget(target),
        method: 'PUT',
        path: `${named}/content?%40microsoft.graph.conflictBehavior=${behavior}`,
        headers: { 'content-type': target.contentType ?? 'application/octet-stream' },
        body: bytes as Uint8Array<ArrayBuffer>,
      });
      if (!response.ok) throw await graphError(response);
      return (await response.json()) as DriveItem;
    }
    const chunkSize = target.chunkSize ?? DEFAULT_CHUNK_BYTES;
    if (chunkSize <= 0 || chunkSize % UPLOAD_CHUNK_UNIT_BYTES !== 0)
      throw new TypeError(`upload: chunkSize must be a positive multiple of ${UPLOAD_CHUNK_UNIT_BYTES} bytes.`);
    const session = (await this.graph(target, 'POST', `${named}/createUploadSession`, {
      item: { '@microsoft.graph.conflictBehavior': behavior, name: target.name },
    })) as { uploadUrl: string };
    return sendRanges(this.fetchImpl, session.uploadUrl, target.content, size, chunkSize, target.signal);
  }

  /** A new folder `name` in `parentId` (default the root); `conflictBehavior` default `fail`. */
  async createFolder(
    target: DriveTarget & { parentId?: string; name: string; conflictBehavior?: ConflictBehavior },
  ): Promise<DriveItem> {
    return (await this.graph(target, 'POST', `${await this.item(target, target.parentId)}/children`, {
      name: target.name,
      folder: {},
      '@microsoft.graph.conflictBehavior': target.conflictBehavior ?? 'fail',
    })) as DriveItem;
  }

  /** Items of the drive matching `query` (names, content and metadata, as Graph searches). */
  async search(target: DriveTarget & { query: string; top?: number; cursor?: string }): Promise<ItemPage> {
    const q = encodeURIComponent(target.query.replace(/'/g, "''"));
    const path =
      target.cursor ?? `${await this.item(target)}/search(q='${q}')${target.top ? `?$top=${target.top}` : ''}`;
    return pageOf(await this.graph(target, 'GET', path));
  }

  /** Moves an item into the folder `parentId`, optionally renaming it. */
  async move(target: DriveTarget & { itemId: string; parentId: string; name?: string }): Promise<DriveItem> {
    return (await this.graph(target, 'PATCH', await this.item(target, target.itemId), {
      parentReference: { id: target.parentId },
      ...(target.name !== undefined ? { name: target.name } : {}),
    })) as DriveItem;
  }

  /** Deletes an item (a folder with everything in it) into the recycle bin. */
  async delete(target: DriveTarget & { itemId: string }): Promise<void> {
    await this.graph(target, 'DELETE', await this.item(target, target.itemId));
  }

  /** Path of an item of the target drive: by id, or the root. */
  private async item(target: DriveTarget, itemId?: string): Promise<string> {
    const drive = await this.drive(target);
    return itemId === undefined ? `${drive}/root` : `${drive}/items/${encodeURIComponent(itemId)}`;
  }

  private async drive(target: DriveTarget): Promise<string> {
    if (target.driveId !== undefined) return `drives/${encodeURIComponent(target.driveId)}`;
    if (target.userId !== undefined) return 'me/drive';
    // An app-only token has no /me: the installation's bound drive (the credential is cached).
    const { resource } = await this.client.getCredential({
      provider: target.provider ?? 'microsoft-onedrive',
      tenantId: target.tenantId,
      credentialFor: 'installation',
    });
    if (resource?.driveId) return `drives/${encodeURIComponent(resource.driveId)}`;
    if (resource?.siteId) return `sites/${encodeURIComponent(resource.siteId)}/drive`;
    throw new AuthpipeError({
      code: 'drive_required',
      message: 'The installation is bound to no drive or site: name the drive with `driveId`.',
      status: 0,
    });
  }

  private proxyTarget(target: DriveTarget): Pick<ProxyInput, 'provider' | 'tenantId' | 'userId' | 'signal'> {
    return {
      tenantId: target.tenantId,
      ...(target.provider !== undefined ? { provider: target.provider } : {}),
      ...(target.userId !== undefined ? { userId: target.userId } : {}),
      ...signalOf(target),
    };
  }

  /** A Graph call with a JSON body (or none), answered with the parsed JSON (undefined for 204). */
  private async graph(
    target: DriveTarget,
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    json?: unknown,
  ): Promise<unknown> {
    const response = await this.client.proxy({
      ...this.proxyTarget(target),
      method,
      path,
      ...(json !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) } : {}),
    });
    if (!response.ok) throw await graphError(response);
    if (response.status === 204) return undefined;
    return response.json();
  }
}

function encodeName(name: string): string {
  if (name === '' || name === '.' || name === '..' || /[/\\]/.test(name))
    throw new TypeError('upload: name must be a file name, without slashes.');
  return encodeURIComponent(name);
}

function signalOf(target: { signal?: AbortSignal }): { signal?: AbortSignal } {
  return target.signal ? { signal: target.signal } : {};
}
