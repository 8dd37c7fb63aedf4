import { randomUUID } from 'node:crypto';
import type { GraphCaller } from '../auth/graph-permissions';
import { type ConflictBehavior, CONFLICT_BEHAVIORS } from '../drive/item-names';
import { GraphError, type RequestIds } from '../graph-error';
import { type GraphJson, odataContext } from '../mapping/graph-json';

/** One authenticated Graph request, reduced to what handlers need. */
export interface GraphRequest {
  caller: GraphCaller;
  method: string;
  /** `https://host:port` as the client reached the emulator; download and next links use it. */
  origin: string;
  /** The raw path, `/v1.0/...`, for building `@odata.nextLink`. */
  path: string;
  query: URLSearchParams;
  /** The raw request body; empty when there is none. */
  body: Buffer;
  header(name: string): string | undefined;
}

/** What a handler answers. */
export type GraphReply =
  | { status: 200 | 201 | 202; json: GraphJson }
  | { status: 204 }
  | { status: 304 }
  | { status: 302; location: string }
  | BytesReply;

/** File bytes served by Graph itself (contentStream), with their status (200, 206 or 416) and headers. */
export interface BytesReply {
  status: 'bytes';
  code: 200 | 206 | 416;
  headers: Record<string, string>;
  bytes: Buffer;
}

const CLIENT_REQUEST_ID = /^[\w.-]{1,128}$/;

/** Graph's request ids: its own `request-id`, and the client's `client-request-id` echoed (or a copy). */
export function requestIdsFor(clientRequestId: string | undefined): RequestIds {
  const requestId = randomUUID();
  const echoed = clientRequestId !== undefined && CLIENT_REQUEST_ID.test(clientRequestId) ? clientRequestId : requestId;
  return { requestId, clientRequestId: echoed };
}

/** `$select=id,name` as a list; null when absent. */
export function selectOf(query: URLSearchParams): string[] | null {
  const raw = query.get('$select');
  if (raw === null) return null;
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * `@microsoft.graph.conflictBehavior` from the query string (where the driveItem docs put it)
 * or from the JSON body (where the create-folder example puts it); the query wins.
 */
export function conflictBehaviorOf(
  query: URLSearchParams,
  fromBody: string | undefined,
  fallback: ConflictBehavior,
): ConflictBehavior {
  const raw = query.get('@microsoft.graph.conflictBehavior') ?? fromBody;
  if (raw === undefined) return fallback;
  const value = raw.toLowerCase() as ConflictBehavior;
  if (!CONFLICT_BEHAVIORS.includes(value)) {
    throw GraphError.invalidRequest('@microsoft.graph.conflictBehavior must be fail, replace or rename.');
  }
  return value;
}

/** Graph's default page size for driveItem collections. */
const DEFAULT_PAGE_SIZE = 200;
const MAX_PAGE_SIZE = 999;

function pageOf(query: URLSearchParams): { top: number; skip: number } {
  const topRaw = query.get('$top');
  const top = topRaw === null ? DEFAULT_PAGE_SIZE : Number(topRaw);
  if (!Number.isInteger(top) || top < 1 || top > MAX_PAGE_SIZE) {
    throw GraphError.invalidRequest(`$top must be an integer from 1 to ${MAX_PAGE_SIZE}.`);
  }
  const token = query.get('$skiptoken');
  if (token === null) return { top, skip: 0 };
  const skip = Number(Buffer.from(token, 'base64url').toString('utf8'));
  if (!Number.isInteger(skip) || skip < 0) throw GraphError.invalidRequest('The $skiptoken is not valid.');
  return { top, skip };
}

/**
 * A collection response: one page of `values` under `value`, with `@odata.nextLink` (an
 * absolute URL carrying an opaque `$skiptoken`) while more remain.
 */
export function collectionReply(request: GraphRequest, contextFragment: string, values: GraphJson[]): GraphReply {
  const { top, skip } = pageOf(request.query);
  const json: GraphJson = {
    '@odata.context': odataContext(request.caller.cloud, contextFragment),
    value: values.slice(skip, skip + top),
  };
  if (skip + top < values.length) {
    const next = new URLSearchParams(request.query);
    next.set('$skiptoken', Buffer.from(String(skip + top)).toString('base64url'));
    json['@odata.nextLink'] = `${request.origin}${request.path}?${next.toString()}`;
  }
  return { status: 200, json };
}
