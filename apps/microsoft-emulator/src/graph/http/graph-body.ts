// Graph request bodies are read by the Graph module itself, as raw bytes:
// - simple uploads carry a file's bytes under whatever Content-Type the client chose (text/plain
//   or application/json, which Fastify would parse and so alter, or application/octet-stream,
//   which it would refuse with 415); Graph ignores that header and stores the bytes as sent,
//   deriving the mime type from the file name;
// - a malformed JSON body must be answered with Graph's error body, which Fastify's JSON parser
//   (failing before any Graph code runs) cannot give.
// So before parsing, every /v1.0 request (and upload-session fragment) that carries a body is relabelled with a private media
// type whose parser keeps the raw Buffer. Other routes and content types keep Fastify's and
// Nest's parsers untouched.
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { isUploadSessionUrl } from '../drive/upload-sessions';
import { GraphError } from '../graph-error';

/** The media type Graph request bodies are relabelled with; never sent by clients. */
export const GRAPH_BODY_MEDIA_TYPE = 'application/x-emulator-graph-body';

/** Graph's limit for a simple (single PUT) upload. https://learn.microsoft.com/graph/api/driveitem-put-content */
export const SIMPLE_UPLOAD_LIMIT_BYTES = 250 * 1024 * 1024;

/** Whether a URL is a Graph v1.0 call. */
export function isGraphUrl(url: string): boolean {
  return url.toLowerCase().startsWith('/v1.0/');
}

/** Reads a JSON body; Graph answers an empty or malformed one with 400 BadRequest. */
export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) throw new GraphError(400, 'BadRequest', 'Empty Payload. JSON content expected.');
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new GraphError(
      400,
      'BadRequest',
      'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
    );
  }
}

/** Registers the relabelling hook and the raw parser on the Fastify instance Nest runs on. */
@Injectable()
export class GraphBodyParsing implements OnModuleInit {
  constructor(@Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    // An application context without HTTP (a script using the module's services) has nothing to wire.
    if (!adapter) return;
    const fastify = adapter.getInstance<FastifyInstance>();
    if (fastify.hasContentTypeParser(GRAPH_BODY_MEDIA_TYPE)) return;
    fastify.addContentTypeParser(
      GRAPH_BODY_MEDIA_TYPE,
      { parseAs: 'buffer', bodyLimit: SIMPLE_UPLOAD_LIMIT_BYTES },
      (_request, body, done) => done(null, body),
    );
    fastify.addHook('onRequest', (request, _reply, done) => {
      const { headers } = request;
      const hasBody =
        headers['content-type'] !== undefined ||
        headers['transfer-encoding'] !== undefined ||
        (headers['content-length'] ?? '0') !== '0';
      if (hasBody && (isGraphUrl(request.url) || isUploadSessionUrl(request.url)))
        headers['content-type'] = GRAPH_BODY_MEDIA_TYPE;
      done();
    });
  }
}
