// Graph's upload sessions (https://learn.microsoft.com/en-us/graph/api/driveitem-createuploadsession):
// the content in byte ranges, multiples of 320 KiB, PUT one after another to the session's
// pre-authenticated URL — without any credential, which that URL must not be sent.
import { Readable } from 'node:stream';
import { graphError } from './graph-response.js';
import type { DriveItem } from './files.js';
import type { FetchLike } from './transport.js';

/** The content of an upload: bytes, text, a Blob, or a stream (with its `size`). */
export type UploadContent =
  string | Uint8Array | ArrayBuffer | Blob | Readable | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

/** Upload session byte ranges must be multiples of 320 KiB (Microsoft's driveitem-createuploadsession). */
export const UPLOAD_CHUNK_UNIT_BYTES = 320 * 1024;
/** A failed range is sent at most this many times in all. */
const RANGE_ATTEMPTS = 3;

/**
 * Sends `content` to an upload session's pre-authenticated URL in byte ranges of `chunkSize`
 * (the last may be shorter), holding one range in memory; the last answer is the new item. A
 * failure cancels the session.
 */
export async function sendRanges(
  fetchImpl: FetchLike,
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
      const response = await putRange(fetchImpl, uploadUrl, chunk, `bytes ${offset}-${end}/${size}`, signal);
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
    await fetchImpl(uploadUrl, { method: 'DELETE' }).then(
      (r) => r.body?.cancel(),
      () => undefined,
    );
    throw error;
  }
}

/** One byte range, to the pre-authenticated URL without any credential; retried after 5xx and network errors. */
async function putRange(
  fetchImpl: FetchLike,
  url: string,
  chunk: Uint8Array,
  range: string,
  signal?: AbortSignal,
): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    let response: Response | undefined;
    try {
      response = await fetchImpl(url, {
        method: 'PUT',
        headers: { 'content-length': String(chunk.byteLength), 'content-range': range },
        body: chunk as Uint8Array<ArrayBuffer>,
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (signal?.aborted || attempt >= RANGE_ATTEMPTS) throw error;
    }
    if (response !== undefined) {
      if (response.status === 202 || response.ok) return response;
      if (response.status < 500 || attempt >= RANGE_ATTEMPTS) throw await graphError(response);
      await response.body?.cancel();
    }
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 200 * 2 ** attempt));
  }
}

/** The byte size of `content`, when it is known without reading it. */
export function knownSize(content: UploadContent): number | undefined {
  if (typeof content === 'string') return Buffer.byteLength(content);
  if (content instanceof Uint8Array || content instanceof ArrayBuffer) return content.byteLength;
  if (content instanceof Blob) return content.size;
  return undefined;
}

/** All of `content` in memory (a simple upload: at most 4 MiB). */
export async function collect(content: UploadContent): Promise<Uint8Array> {
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
