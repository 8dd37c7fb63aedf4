// Graph addresses resources with OData segments that ordinary route patterns cannot express:
// path-based addressing puts a server path between colons (`root:/Docs/a.txt:/content`), site
// lookup does the same after a host name (`sites/contoso.sharepoint.com:/sites/Marketing`), and
// search is a function call with a quoted literal (`search(q='budget')`). find-my-way treats `:`
// as a parameter marker and `(` as a regex group, so the emulator takes every /v1.0 request on
// one catch-all route and parses the raw, still percent-encoded path here instead.
// https://learn.microsoft.com/graph/onedrive-addressing-driveitems

/** How a request names a SharePoint site. */
export type SiteRef = { by: 'id'; id: string } | { by: 'path'; hostname: string; path: string };

/** How a request names a drive. */
export type DriveRef =
  { by: 'me' } | { by: 'user'; user: string } | { by: 'id'; driveId: string } | { by: 'site'; site: SiteRef };

/** An item: the drive root or an item id, optionally followed by a path below it. */
export interface ItemRef {
  base: { by: 'root' } | { by: 'id'; id: string };
  /** Decoded path segments below `base` (`root:/a/b.txt:` → ['a', 'b.txt']); empty for none. */
  path: string[];
}

/** What a /v1.0 path addresses. */
export type GraphTarget =
  | { kind: 'me' }
  | { kind: 'user'; user: string }
  | { kind: 'site'; site: SiteRef }
  | { kind: 'siteDrives'; site: SiteRef }
  | { kind: 'drive'; drive: DriveRef }
  | { kind: 'item'; drive: DriveRef; item: ItemRef }
  | { kind: 'children'; drive: DriveRef; item: ItemRef }
  | { kind: 'content'; drive: DriveRef; item: ItemRef }
  | { kind: 'contentStream'; drive: DriveRef; item: ItemRef }
  | { kind: 'createUploadSession'; drive: DriveRef; item: ItemRef }
  | { kind: 'search'; drive: DriveRef; item: ItemRef; query: string };

export type GraphTargetKind = GraphTarget['kind'];

/** The outcome of parsing: a target, or the first segment that names nothing (Graph answers 400). */
export type ParseResult = { ok: true; target: GraphTarget } | { ok: false; segment: string };

interface Segment {
  name: string;
  /** The decoded text between `:` and `:` (or the end) that followed the segment, if any. */
  colonPath: string | null;
}

const SEARCH_CALL = /^search\((.*)\)$/is;

function decode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

/**
 * Splits a raw path into segments. A `:` ends a segment and opens a path that runs to the next
 * `:` or the end; an encoded `%3A` is ordinary text, so names can still contain it. A trailing
 * `search(...)` call is taken whole because its literal may hold `/`, `:` or `)`.
 */
function tokenize(raw: string): Segment[] | { bad: string } {
  const segments: Segment[] = [];
  let i = 0;
  while (i < raw.length) {
    const rest = raw.slice(i);
    if (/^search\(/i.test(rest)) {
      const name = decode(rest);
      if (name === null) return { bad: rest };
      segments.push({ name, colonPath: null });
      break;
    }
    let end = i;
    while (end < raw.length && raw[end] !== '/' && raw[end] !== ':') end++;
    const name = decode(raw.slice(i, end));
    if (name === null) return { bad: raw.slice(i, end) };
    if (raw[end] !== ':') {
      if (name !== '') segments.push({ name, colonPath: null });
      i = end + 1;
      continue;
    }
    const close = raw.indexOf(':', end + 1);
    const pathEnd = close === -1 ? raw.length : close;
    const colonPath = decode(raw.slice(end + 1, pathEnd));
    if (colonPath === null) return { bad: raw.slice(end + 1, pathEnd) };
    segments.push({ name, colonPath });
    if (close === -1) break;
    if (close + 1 < raw.length && raw[close + 1] !== '/') return { bad: raw.slice(close + 1) };
    i = close + 2;
  }
  return segments;
}

function splitPath(colonPath: string): string[] {
  return colonPath.split('/').filter((part) => part !== '');
}

/** Reads an OData string literal: single-quoted, with `''` standing for one quote. */
export function parseODataString(literal: string): string | null {
  const trimmed = literal.trim();
  if (trimmed.length < 2 || !trimmed.startsWith("'") || !trimmed.endsWith("'")) return null;
  const body = trimmed.slice(1, -1);
  if (body.replace(/''/g, '').includes("'")) return null;
  return body.replace(/''/g, "'");
}

function is(segment: Segment | undefined, keyword: string): boolean {
  return segment !== undefined && segment.colonPath === null && segment.name.toLowerCase() === keyword;
}

function itemTarget(drive: DriveRef, item: ItemRef, after: Segment[]): ParseResult {
  const [action, ...extra] = after;
  if (extra.length > 0) return { ok: false, segment: extra[0].name };
  if (action === undefined) return { ok: true, target: { kind: 'item', drive, item } };
  if (is(action, 'children')) return { ok: true, target: { kind: 'children', drive, item } };
  if (is(action, 'content')) return { ok: true, target: { kind: 'content', drive, item } };
  if (is(action, 'contentstream')) return { ok: true, target: { kind: 'contentStream', drive, item } };
  if (is(action, 'createuploadsession')) return { ok: true, target: { kind: 'createUploadSession', drive, item } };
  const call = action.colonPath === null ? SEARCH_CALL.exec(action.name) : null;
  if (call) {
    const argument = /^\s*q\s*=(.*)$/s.exec(call[1]);
    const query = argument ? parseODataString(argument[1]) : null;
    if (query === null) return { ok: false, segment: action.name };
    return { ok: true, target: { kind: 'search', drive, item, query } };
  }
  return { ok: false, segment: action.name };
}

function driveTarget(drive: DriveRef, rest: Segment[]): ParseResult {
  const [first, second, ...after] = rest;
  if (first === undefined) return { ok: true, target: { kind: 'drive', drive } };
  if (first.name.toLowerCase() === 'root') {
    const path = first.colonPath === null ? [] : splitPath(first.colonPath);
    return itemTarget(drive, { base: { by: 'root' }, path }, rest.slice(1));
  }
  if (is(first, 'items') && second !== undefined) {
    const path = second.colonPath === null ? [] : splitPath(second.colonPath);
    return itemTarget(drive, { base: { by: 'id', id: second.name }, path }, after);
  }
  return { ok: false, segment: first.name };
}

function siteRef(segment: Segment): SiteRef {
  if (segment.colonPath === null) return { by: 'id', id: segment.name };
  const path = `/${splitPath(segment.colonPath).join('/')}`;
  return { by: 'path', hostname: segment.name.toLowerCase(), path };
}

/**
 * Parses the part of a Graph URL after `/v1.0/` (raw, without the query string) into what it
 * addresses. Keywords are matched case-insensitively, as Graph does.
 */
export function parseGraphPath(rawPath: string): ParseResult {
  const tokens = tokenize(rawPath);
  if (!Array.isArray(tokens)) return { ok: false, segment: tokens.bad };
  const [head, id, next, ...rest] = tokens;
  if (head === undefined) return { ok: false, segment: '' };
  if (is(head, 'me')) {
    if (id === undefined) return { ok: true, target: { kind: 'me' } };
    if (is(id, 'drive')) return driveTarget({ by: 'me' }, tokens.slice(2));
    return { ok: false, segment: id.name };
  }
  if (is(head, 'users') && id !== undefined && id.colonPath === null) {
    if (next === undefined) return { ok: true, target: { kind: 'user', user: id.name } };
    if (is(next, 'drive')) return driveTarget({ by: 'user', user: id.name }, rest);
    return { ok: false, segment: next.name };
  }
  if (is(head, 'drives') && id !== undefined && id.colonPath === null) {
    return driveTarget({ by: 'id', driveId: id.name }, tokens.slice(2));
  }
  if (is(head, 'sites') && id !== undefined) {
    const site = siteRef(id);
    if (next === undefined) return { ok: true, target: { kind: 'site', site } };
    if (is(next, 'drive')) return driveTarget({ by: 'site', site }, rest);
    if (is(next, 'drives') && rest.length === 0) return { ok: true, target: { kind: 'siteDrives', site } };
    return { ok: false, segment: next.name };
  }
  return { ok: false, segment: head.name };
}
