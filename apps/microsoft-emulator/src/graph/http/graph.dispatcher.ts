import { Inject, Injectable, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { cloudForGraphHost } from '../../directory/clouds';
import { EMULATOR_CLOCK, type EmulatorClock } from '../../directory/contracts';
import type { CloudName } from '../../directory/directory.types';
import { GraphAccessDenials } from '../auth/access-denials';
import { GraphAuthenticator, graphChallenge } from '../auth/graph-authenticator';
import { GraphError, graphErrorBody, type RequestIds } from '../graph-error';
import { DirectoryHandlers } from '../handlers/directory.handlers';
import { DriveHandlers } from '../handlers/drive.handlers';
import { UploadSessionHandlers } from '../handlers/upload-session.handlers';
import { type GraphTarget, parseGraphPath } from '../routing/graph-route';
import { type GraphReply, type GraphRequest, requestIdsFor } from './graph-request';

/** Graph's JSON media type, parameters included, as its responses carry it. */
const GRAPH_JSON = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
const VERSION_PREFIX = '/v1.0/';

function methodNotAllowed(): GraphError {
  return new GraphError(405, 'BadRequest', 'Specified HTTP method is not allowed for the request target.');
}

function headerOf(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Runs one /v1.0 request: authenticate for the cloud of the Host header, parse the path, check
 * the method, call the handler, and write the reply or a Graph-shaped error.
 */
@Injectable()
export class GraphDispatcher {
  private readonly logger = new Logger('Graph');

  constructor(
    @Inject(GraphAuthenticator) private readonly authenticator: GraphAuthenticator,
    @Inject(DirectoryHandlers) private readonly directory: DirectoryHandlers,
    @Inject(DriveHandlers) private readonly drives: DriveHandlers,
    @Inject(UploadSessionHandlers) private readonly uploads: UploadSessionHandlers,
    @Inject(EMULATOR_CLOCK) private readonly clock: EmulatorClock,
    @Inject(GraphAccessDenials) private readonly denials: GraphAccessDenials,
  ) {}

  async handle(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const ids = requestIdsFor(headerOf(request, 'client-request-id'));
    void reply.header('request-id', ids.requestId).header('client-request-id', ids.clientRequestId);
    const cloud = cloudForGraphHost(request.headers.host);
    try {
      const caller = await this.authenticator.authenticate(headerOf(request, 'authorization'), cloud);
      const rawUrl = request.raw.url ?? request.url;
      const queryAt = rawUrl.indexOf('?');
      const path = queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt);
      const parsed = parseGraphPath(path.slice(VERSION_PREFIX.length));
      if (!parsed.ok) {
        throw new GraphError(
          400,
          'BadRequest',
          `Resource not found for the segment '${parsed.segment.slice(0, 100)}'.`,
        );
      }
      // Access withdrawn through the control API (a user removed from a site, CAE refusing a user).
      this.denials.check(caller, parsed.target);
      const graphRequest: GraphRequest = {
        caller,
        method: request.method.toUpperCase(),
        origin: `${request.protocol}://${request.headers.host ?? request.hostname}`,
        path,
        query: new URLSearchParams(queryAt === -1 ? '' : rawUrl.slice(queryAt + 1)),
        body: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
        header: (name) => headerOf(request, name),
      };
      this.send(reply, this.route(graphRequest, parsed.target));
    } catch (error) {
      this.fail(reply, error, ids, cloud);
    }
  }

  /**
   * The upload URL of an upload session: PUT a fragment, GET the status, DELETE to cancel. No
   * Authorization: the URL is the grant. https://learn.microsoft.com/graph/api/driveitem-createuploadsession
   */
  uploadUrl(request: FastifyRequest, reply: FastifyReply, sessionId: string): void {
    const ids = requestIdsFor(headerOf(request, 'client-request-id'));
    void reply.header('request-id', ids.requestId).header('client-request-id', ids.clientRequestId);
    try {
      const method = request.method.toUpperCase();
      if (method === 'PUT') {
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        this.send(reply, this.uploads.fragment({ sessionId, header: (name) => headerOf(request, name), body }));
      } else if (method === 'GET') this.send(reply, this.uploads.status(sessionId));
      else if (method === 'DELETE') this.send(reply, this.uploads.cancel(sessionId));
      else throw methodNotAllowed();
    } catch (error) {
      this.fail(reply, error, ids, cloudForGraphHost(request.headers.host));
    }
  }

  private fail(reply: FastifyReply, error: unknown, ids: RequestIds, cloud: CloudName): void {
    const graphError = error instanceof GraphError ? error : this.unexpected(error, ids.requestId);
    if (graphError.status === 401) void reply.header('www-authenticate', graphChallenge(cloud));
    void reply
      .status(graphError.status)
      .type(GRAPH_JSON)
      .send(graphErrorBody(graphError, ids, this.clock.now()));
  }

  private route(request: GraphRequest, target: GraphTarget): GraphReply {
    const { method } = request;
    switch (target.kind) {
      case 'me':
        if (method !== 'GET') throw methodNotAllowed();
        return this.directory.me(request);
      case 'user':
        if (method !== 'GET') throw methodNotAllowed();
        return this.directory.user(request, target.user);
      case 'site':
        if (method !== 'GET') throw methodNotAllowed();
        return this.directory.site(request, target.site);
      case 'siteDrives':
        if (method !== 'GET') throw methodNotAllowed();
        return this.directory.siteDrives(request, target.site);
      case 'drive':
        if (method !== 'GET') throw methodNotAllowed();
        return this.drives.getDrive(request, target.drive);
      case 'item':
        if (method === 'GET') return this.drives.getItem(request, target.drive, target.item);
        if (method === 'PATCH') return this.drives.updateItem(request, target.drive, target.item);
        if (method === 'DELETE') return this.drives.deleteItem(request, target.drive, target.item);
        throw methodNotAllowed();
      case 'children':
        if (method === 'GET') return this.drives.listChildren(request, target.drive, target.item);
        if (method === 'POST') return this.drives.createFolder(request, target.drive, target.item);
        throw methodNotAllowed();
      case 'content':
        if (method === 'GET') return this.drives.download(request, target.drive, target.item);
        if (method === 'PUT') return this.drives.upload(request, target.drive, target.item);
        throw methodNotAllowed();
      case 'contentStream':
        if (method !== 'GET') throw methodNotAllowed();
        return this.drives.contentStream(request, target.drive, target.item);
      case 'createUploadSession':
        if (method !== 'POST') throw methodNotAllowed();
        return this.uploads.create(request, target.drive, target.item);
      case 'search':
        if (method !== 'GET') throw methodNotAllowed();
        return this.drives.search(request, target.drive, target.item, target.query);
    }
  }

  private send(reply: FastifyReply, result: GraphReply): void {
    switch (result.status) {
      case 'bytes':
        void reply.status(result.code).headers(result.headers).send(result.bytes);
        return;
      case 200:
      case 201:
      case 202:
        void reply
          .status(result.status)
          .header('odata-version', '4.0')
          .type(GRAPH_JSON)
          .send(JSON.stringify(result.json));
        return;
      case 302:
        void reply.status(302).header('location', result.location).send();
        return;
      case 204:
      case 304:
        void reply.status(result.status).send();
        return;
    }
  }

  /** Anything not a GraphError is a bug: logged under the request id, answered without details. */
  private unexpected(error: unknown, requestId: string): GraphError {
    this.logger.error(`Graph request ${requestId} failed`, error instanceof Error ? error.stack : String(error));
    return new GraphError(
      500,
      'generalException',
      `An unexpected error occurred; see request-id ${requestId} in the emulator log.`,
    );
  }
}
