// Simple uploads carry the file's bytes with whatever Content-Type the client chose (often
// text/plain or application/json, which Fastify would parse and so lose the original bytes, or
// application/octet-stream, which it would refuse with 415). Graph ignores that header and takes
// the bytes as they are, deriving the mime type from the file name. So before parsing, uploads to
// /v1.0/.../content are relabelled with a private media type whose parser keeps the raw Buffer;
// every other route, and every other content type, keeps Fastify's and Nest's parsers.
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';

/** The media type uploads are relabelled with; never sent by clients. */
export const GRAPH_UPLOAD_MEDIA_TYPE = 'application/x-emulator-graph-upload';

/** Graph's limit for a simple (single PUT) upload. https://learn.microsoft.com/graph/api/driveitem-put-content */
export const SIMPLE_UPLOAD_LIMIT_BYTES = 250 * 1024 * 1024;

/** Whether a request is a Graph simple upload: PUT to a /v1.0 path ending in /content. */
export function isGraphUpload(method: string, url: string): boolean {
  if (method.toUpperCase() !== 'PUT') return false;
  const queryAt = url.indexOf('?');
  const path = (queryAt === -1 ? url : url.slice(0, queryAt)).toLowerCase();
  return path.startsWith('/v1.0/') && path.endsWith('/content');
}

/** Registers the upload relabelling hook and parser on the Fastify instance Nest runs on. */
@Injectable()
export class GraphUploadBody implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    // An application context without HTTP (a script using the module's services) has nothing to wire.
    if (!adapter) return;
    const fastify = adapter.getInstance<FastifyInstance>();
    if (fastify.hasContentTypeParser(GRAPH_UPLOAD_MEDIA_TYPE)) return;
    fastify.addContentTypeParser(
      GRAPH_UPLOAD_MEDIA_TYPE,
      { parseAs: 'buffer', bodyLimit: SIMPLE_UPLOAD_LIMIT_BYTES },
      (_request, body, done) => done(null, body),
    );
    fastify.addHook('onRequest', (request, _reply, done) => {
      if (isGraphUpload(request.method, request.url)) request.headers['content-type'] = GRAPH_UPLOAD_MEDIA_TYPE;
      done();
    });
  }
}
