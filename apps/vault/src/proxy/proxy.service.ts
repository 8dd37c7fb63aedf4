import type { IncomingHttpHeaders } from 'node:http';
import { pipeline, Transform, type Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { HttpRequestError, type HttpMethod, type HttpStreamResponse } from '@authpipe/microsoft';
import { ApiError } from '../common/api-error';
import type { TenantExternalId } from '../common/tenant-ids';
import type { CredentialSubject } from '../credentials/credential-reader';
import {
  CredentialRefused,
  GetCredentialService,
  type CredentialCaller,
  type ServedCredential,
} from '../get-credential/get-credential.service';
import { MicrosoftGateway } from '../microsoft/microsoft-gateway';
import { graphPathRefusal, graphTargetOf, type GraphPathRefusal } from './graph-target';
import { requestHeadersForGraph, responseHeadersForCaller } from './proxy-headers';

/**
 * A request body of at most this many bytes (declared by Content-Length) is read into memory
 * before sending, so it can be sent again after a 401 and a refresh. Larger or chunked bodies
 * stream straight through and are never replayed.
 */
export const REPLAYABLE_BODY_BYTES = 64 * 1024;
/** How much of a Graph 401's body is kept to pass back when the request is not retried. */
const ERROR_BODY_BYTES = 64 * 1024;
/**
 * A streamed upload: the longest silence of the caller's body, and then the longest wait for
 * Graph's answer once it is all sent. (undici's own headers timeout runs from the start of the
 * request and is refreshed only when the socket pushes back, so a caller uploading more slowly
 * than the network drains would hit it after 30 s however healthy the transfer.)
 */
export const UPLOAD_IDLE_MS = 60_000;
/**
 * Bytes of Graph's response read ahead of the caller (twice: undici's buffer and the body
 * stream's), the memory a download holds in the vault. Larger than the HTTP layer's 64 KiB
 * default so a brief stall of either side does not stop the other.
 */
const RESPONSE_BUFFER_BYTES = 256 * 1024;

/** One caller request to proxy, as the route read it. */
export interface ProxyRequest {
  provider: string;
  method: HttpMethod;
  /** What follows `/v1/proxy/<provider>/` in the raw request target, query included, still encoded. */
  rawPath: string;
  tenantExternalId: TenantExternalId;
  subject: CredentialSubject;
  headers: IncomingHttpHeaders;
  /** The request body as it arrives, or null when there is none. */
  body: Readable | null;
  /** Aborted when the caller goes away: the Graph request (and its body) stop with it. */
  signal: AbortSignal;
}

/** Graph's answer as passed back: status, filtered headers, the body still streaming. */
export interface ProxyResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: Readable | Buffer;
  /** Whether a 401 made the proxy refresh the credential and send the request again. */
  retried: boolean;
  /**
   * The credential's id when a Graph 401 made the proxy refresh it to a new token (retried or
   * not): the route tells the caller, whose cached copy is outdated.
   */
  refreshedCredentialId?: string;
}

/** Providers the proxy serves. */
export const PROXIED_PROVIDERS = new Set(['microsoft-onedrive']);

/**
 * The Graph proxy: forwards a caller's request to the Graph API of the credential's cloud, with
 * the credential's bearer token, streaming both bodies. The token comes from getCredential (warm
 * from its cache, refreshed there when near expiry); a Graph 401 forces one refresh and, for a
 * request that can be replayed, one more attempt. Everything else Graph answers (429 and 503 with
 * Retry-After, a 302 to a pre-authenticated download URL) is passed back as it is.
 */
@Injectable()
export class ProxyService {
  constructor(
    private readonly credentials: GetCredentialService,
    private readonly microsoft: MicrosoftGateway,
  ) {}

  async forward(caller: CredentialCaller, request: ProxyRequest): Promise<ProxyResponse> {
    if (!PROXIED_PROVIDERS.has(request.provider)) {
      throw ApiError.notFound('provider_not_found', `The proxy does not serve the provider ${request.provider}.`);
    }
    // The path is checked before any credential is read: a refusal costs nothing and says nothing.
    const refusal = graphPathRefusal(request.rawPath);
    if (refusal !== null) throw targetRefused(refusal);

    const served = await this.credential(caller, request, false);
    const target = graphTargetOf(served.graphBaseUrl, request.rawPath);
    if (!target.ok) throw targetRefused(target.reason);
    const body = await replayableBody(request);

    const first = await this.send(request, target.url, served.credential, body);
    if (first.status !== 401) return { ...passBack(first), retried: false };

    // Graph refused a token the vault still thought valid (revoked sessions, a rotated key, CAE):
    // refresh it once, whether or not this request can be sent again, so the next one works.
    const errorBody = await readAtMost(first.body, ERROR_BODY_BYTES);
    const refreshed = await this.credential(caller, request, true);
    const changed = refreshed.credential !== served.credential;
    const refreshedCredentialId = changed ? { refreshedCredentialId: refreshed.credentialId } : {};
    if (body === 'streamed' || !changed) {
      const { 'content-length': _length, ...headers } = passBack(first).headers;
      return { status: 401, headers, body: errorBody, retried: false, ...refreshedCredentialId };
    }
    const second = await this.send(request, target.url, refreshed.credential, body);
    return { ...passBack(second), retried: true, ...refreshedCredentialId };
  }

  private async credential(
    caller: CredentialCaller,
    request: ProxyRequest,
    forceRefresh: boolean,
  ): Promise<ServedCredential> {
    try {
      return await this.credentials.get(caller, {
        provider: request.provider,
        tenantExternalId: request.tenantExternalId,
        subject: request.subject,
        forceRefresh,
      });
    } catch (error) {
      if (error instanceof CredentialRefused) throw error.toApiError();
      throw error;
    }
  }

  private async send(
    request: ProxyRequest,
    url: string,
    token: string,
    body: Buffer | 'streamed' | null,
  ): Promise<HttpStreamResponse> {
    const upload = body === 'streamed' ? watchedUpload(request.body!) : null;
    try {
      return await this.microsoft.stream({
        method: request.method,
        url,
        headers: { ...requestHeadersForGraph(request.headers), authorization: `Bearer ${token}` },
        body: upload?.body ?? (body === 'streamed' ? undefined : (body ?? undefined)),
        signal: upload ? AbortSignal.any([request.signal, upload.stalled]) : request.signal,
        // 0: off; the upload's own watch (above) bounds the wait instead.
        ...(upload ? { headersTimeoutMs: 0 } : {}),
        highWaterMark: RESPONSE_BUFFER_BYTES,
      });
    } catch (error) {
      if (upload?.stalled.aborted) {
        throw new ApiError('request_timeout', 'The request body stopped arriving, or Graph did not answer it.', {
          remediation: `Send the body without pauses longer than ${UPLOAD_IDLE_MS / 1000} seconds, or use an upload session for large files.`,
        });
      }
      if (error instanceof HttpRequestError) {
        throw new ApiError('provider_unavailable', 'Microsoft Graph could not be reached.', {
          status: 502,
          remediation: 'Retry later; if it persists, check the vault’s outbound network to Microsoft.',
          details: { reason: error.code },
        });
      }
      throw error;
    } finally {
      upload?.stop();
    }
  }
}

/**
 * The caller's body as sent to Graph, watched: `stalled` aborts when no byte arrived for
 * {@link UPLOAD_IDLE_MS}, or Graph did not answer within as long after the last one.
 */
function watchedUpload(body: Readable): { body: Readable; stalled: AbortSignal; stop(): void } {
  const stalled = new AbortController();
  const timer = setTimeout(() => stalled.abort(new Error('upload stalled')), UPLOAD_IDLE_MS);
  const watched = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      timer.refresh();
      done(null, chunk);
    },
    flush(done) {
      timer.refresh();
      done();
    },
  });
  pipeline(body, watched, () => undefined);
  return { body: watched, stalled: stalled.signal, stop: () => clearTimeout(timer) };
}

function targetRefused(reason: GraphPathRefusal): ApiError {
  return new ApiError(
    'proxy_target_not_allowed',
    'The proxy forwards only to a path of the Microsoft Graph API of the credential’s cloud.',
    {
      remediation:
        'Send the Graph path relative to its version, e.g. /v1/proxy/microsoft-onedrive/me/drive/root/children, without dot segments, encoded slashes or dots, backslashes, `@` (write %40) or another host.',
      details: { reason },
    },
  );
}

function passBack(response: HttpStreamResponse): Omit<ProxyResponse, 'retried'> {
  return { status: response.status, headers: responseHeadersForCaller(response.headers), body: response.body };
}

/**
 * The body to send: null for none, the bytes of a small one (replayable), or `'streamed'` for a
 * large or chunked one, which is sent from the caller's stream as it arrives.
 */
async function replayableBody(request: ProxyRequest): Promise<Buffer | 'streamed' | null> {
  if (request.body === null) return null;
  const declared = request.headers['content-length'];
  const length = declared === undefined ? NaN : Number(declared);
  if (request.headers['transfer-encoding'] === undefined && length === 0) return null;
  if (!Number.isInteger(length) || length > REPLAYABLE_BODY_BYTES) return 'streamed';
  const bytes = await readAtMost(request.body, REPLAYABLE_BODY_BYTES);
  return bytes;
}

/** Reads a stream to its end, keeping at most `limit` bytes (the rest is read and dropped). */
async function readAtMost(stream: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (size >= limit) continue;
    const kept = chunk.subarray(0, limit - size);
    chunks.push(kept);
    size += kept.length;
  }
  return Buffer.concat(chunks);
}
