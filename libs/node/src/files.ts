import { Readable } from 'node:stream';
import type { Authpipe } from './client.js';
import { AuthpipeError, GraphError } from './errors.js';
import type { FetchLike } from './transport.js';
import type { ProxyInput } from './types.js';

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

/** The content of an upload: bytes, text, a Blob, or a stream (with its `size`). */
export type UploadContent =
  string | Uint8Array | ArrayBuffer | Blob | Readable | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/** Graph's simple upload takes at most 4 MiB; larger files go through an upload session. */
export const SIMPLE_UPLOAD_MAX_BYTES = 4 * 1024 * 1024;
/** Upload session byte ranges must be multiples of 320 KiB (Microsoft's driveitem-createuploadsession). */
export const UPLOAD_CHUNK_UNIT_BYTES = 320 * 1024;
const DEFAULT_CHUNK_BYTES = 10 * UPLOAD_CHUNK_UNIT_BYTES;
const CHUNK_ATTEMPTS = 3;
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
    return this.sendRanges(session.uploadUrl, target.content, size, chunkSize, target.signal);
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

  /** Sends `content` to an upload session in ranges; the last answer is the new item. */
  private async sendRanges(
    uploadUrl: string,
    content: UploadContent,
    size: number,
    chunkSize: number,
    signal?: AbortSignal,
  ): Promise<DriveItem> {
    let offset = 0;
    try {
      for await (const chunk of chunks(content, chunkSize)) {
        const end = offset + chunk.byteLength - 1;
        const response = await this.putRange(uploadUrl, chunk, `bytes ${offset}-${end}/${size}`, signal);
        offset = end + 1;
        if (response.status === 200 || response.status === 201) {
          if (offset !== size) throw new TypeError(`upload: Graph finished at ${offset} bytes, not ${size}.`);
          return (await response.json()) as DriveItem;
        }
        await response.body?.cancel();
      }
      throw new TypeError(`upload: the content ended after ${offset} of ${size} bytes.`);
    } catch (error) {
      // Frees the session's storage at once rather than when it expires.
      await this.fetchImpl(uploadUrl, { method: 'DELETE' }).then(
        (r) => r.body?.cancel(),
        () => undefined,
      );
      throw error;
    }
  }

  /** One byte range, to the pre-authenticated URL without any credential; retried after 5xx and network errors. */
  private async putRange(url: string, chunk: Uint8Array, range: string, signal?: AbortSignal): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      let response: Response | undefined;
      try {
        response = await this.fetchImpl(url, {
          method: 'PUT',
          headers: { 'content-length': String(chunk.byteLength), 'content-range': range },
          body: chunk as Uint8Array<ArrayBuffer>,
          ...(signal ? { signal } : {}),
        });
      } catch (error) {
        if (signal?.aborted || attempt >= CHUNK_ATTEMPTS) throw error;
      }
      if (response !== undefined) {
        if (response.status === 202 || response.ok) return response;
        if (response.status < 500 || attempt >= CHUNK_ATTEMPTS) throw await graphError(response);
        await response.body?.cancel();
      }
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 200 * 2 ** attempt));
    }
  }
}

/** The next-page cursor of a Graph `@odata.nextLink`: its path relative to the API version. */
export function cursorOf(nextLink: unknown): string | null {
  if (typeof nextLink !== 'string') return null;
  const url = new URL(nextLink);
  const match = /\/(?:v1\.0|beta)\/(.*)$/s.exec(url.pathname);
  return match ? `${match[1]}${url.search}` : null;
}

function pageOf(body: unknown): ItemPage {
  const page = body as { value?: DriveItem[]; '@odata.nextLink'?: string };
  return { items: page.value ?? [], nextCursor: cursorOf(page['@odata.nextLink']) };
}

async function graphError(response: Response): Promise<GraphError> {
  const text = await response.text().catch(() => '');
  let code = `http_${response.status}`;
  let message = `Graph answered ${response.status}.`;
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (typeof parsed.error?.code === 'string') code = parsed.error.code;
    if (typeof parsed.error?.message === 'string') message = parsed.error.message;
  } catch {
    // Not Graph's JSON error shape: keep the status.
  }
  const retryAfter = Number(response.headers.get('retry-after') ?? NaN);
  return new GraphError({ code, message, status: response.status, ...(retryAfter >= 0 ? { retryAfter } : {}) });
}

function encodeName(name: string): string {
  if (name === '' || name === '.' || name === '..' || /[/\\]/.test(name))
    throw new TypeError('upload: name must be a file name, without slashes.');
  return encodeURIComponent(name);
}

function signalOf(target: { signal?: AbortSignal }): { signal?: AbortSignal } {
  return target.signal ? { signal: target.signal } : {};
}

function knownSize(content: UploadContent): number | undefined {
  if (typeof content === 'string') return Buffer.byteLength(content);
  if (content instanceof Uint8Array || content instanceof ArrayBuffer) return content.byteLength;
  if (content instanceof Blob) return content.size;
  return undefined;
}

async function collect(content: UploadContent): Promise<Uint8Array> {
  if (typeof content === 'string') return Buffer.from(content);
  if (content instanceof Uint8Array) return content;
  if (content instanceof ArrayBuffer) return new Uint8Array(content);
  if (content instanceof Blob) return new Uint8Array(await content.arrayBuffer());
  const parts: Uint8Array[] = [];
  for await (const part of iterate(content)) parts.push(part);
  return Buffer.concat(parts);
}

function iterate(
  content: Readable | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
): AsyncIterable<Uint8Array> {
  if (content instanceof ReadableStream)
    return Readable.fromWeb(content as import('node:stream/web').ReadableStream<Uint8Array>);
  return content;
}

/** `content` in pieces of exactly `size` bytes (the last may be shorter), holding one piece at a time. */
async function* chunks(content: UploadContent, size: number): AsyncGenerator<Uint8Array> {
  if (
    typeof content === 'string' ||
    content instanceof Uint8Array ||
    content instanceof ArrayBuffer ||
    content instanceof Blob
  ) {
    const bytes = await collect(content);
    for (let at = 0; at < bytes.byteLength; at += size) yield bytes.subarray(at, at + size);
    return;
  }
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const part of iterate(content)) {
    let piece = Buffer.from(part.buffer, part.byteOffset, part.byteLength);
    while (pendingBytes + piece.byteLength >= size) {
      const take = size - pendingBytes;
      pending.push(piece.subarray(0, take));
      yield Buffer.concat(pending, size);
      piece = piece.subarray(take);
      pending = [];
      pendingBytes = 0;
    }
    if (piece.byteLength > 0) {
      // Copied: a stream may reuse its buffer for the next piece.
      pending.push(Buffer.from(piece));
      pendingBytes += piece.byteLength;
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
}
