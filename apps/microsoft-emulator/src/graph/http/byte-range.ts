// Partial downloads: the Range header goes on the pre-authenticated download URL (not on
// .../content: https://learn.microsoft.com/graph/api/driveitem-get-content#partial-range-downloads)
// and on .../contentStream, which Graph answers with the bytes themselves.
// Only single ranges are served; a multi-range request gets the whole file, which RFC 9110
// §14.2 allows a server to do.
import type { DriveItem } from '../../directory/directory.types';
import type { BytesReply } from './graph-request';

/** An inclusive byte range within a file. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * What to serve for a Range header on a file of `size` bytes: the whole file (no header, or one
 * the server may ignore), one range, or 'unsatisfiable' for 416.
 */
export function byteRangeOf(header: string | undefined, size: number): ByteRange | 'whole' | 'unsatisfiable' {
  if (header === undefined) return 'whole';
  const match = /^bytes=(\d*)-(\d*)$/i.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return 'whole';
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

/** A file's bytes for a Range header (or none) as Graph's own reply: 200, 206 or 416. */
export function bytesReply(item: DriveItem, rangeHeader: string | undefined): BytesReply {
  const content = item.content ?? Buffer.alloc(0);
  const headers: Record<string, string> = {
    'accept-ranges': 'bytes',
    'content-type': item.mimeType ?? 'application/octet-stream',
  };
  const range = byteRangeOf(rangeHeader, content.length);
  if (range === 'whole') return { status: 'bytes', code: 200, headers, bytes: content };
  if (range === 'unsatisfiable') {
    return {
      status: 'bytes',
      code: 416,
      headers: { ...headers, 'content-range': `bytes */${content.length}` },
      bytes: Buffer.alloc(0),
    };
  }
  return {
    status: 'bytes',
    code: 206,
    headers: { ...headers, 'content-range': `bytes ${range.start}-${range.end}/${content.length}` },
    bytes: content.subarray(range.start, range.end + 1),
  };
}
