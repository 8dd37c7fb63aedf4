// ANY /v1/proxy/:provider/* as a raw Fastify route rather than a Nest controller, for two reasons:
// - bodies must stream: Nest's body handling (Fastify's JSON and text parsers, a 1 MiB limit)
//   would read an upload into memory, or refuse it with 413/415. The route lives in an
//   encapsulated Fastify plugin whose only content-type parser is a catch-all that leaves the body
//   unread, so `request.raw` is still the socket's stream when the handler runs; every other
//   route keeps its parsers and limits.
// - the request target must be read raw: Graph paths carry colons, parentheses and quotes
//   (`root:/a.txt:/content`, `search(q='x')`), and the proxy checks the still-encoded text
//   (encoded dots and slashes, dot segments) before anything decodes or normalises it.
// It still answers refusals with the catalog's error shape and authenticates with the same API
// keys as every /v1 route (ApiKeysService, which ApiKeyGuard uses). The contract documents it
// (ROUTES.proxyGet, proxyPost, ...: its headers, answers and error codes), and the docs test
// checks that the methods served here are the ones it lists.
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CREDENTIAL_REFRESHED_HEADER } from '@authpipe/contract';
import type { HttpMethod } from '@authpipe/microsoft';
import { z } from 'zod';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { ApiError } from '../common/api-error';
import { ErrorFilter } from '../common/error.filter';
import { IDS, type IdGenerator } from '../common/id-generator';
import { asTenantExternalId } from '../common/tenant-ids';
import { tenantIdSchema } from '../tenants/tenant.dto';
import { ProxyService } from './proxy.service';
import { presentedKeyOf } from '../api-keys/presented-key';

/** The headers that name whose credential a proxied request uses. */
export const TENANT_HEADER = 'authpipe-tenant-id';
export const USER_HEADER = 'authpipe-user-id';
/** Set on every reply that comes from Graph, so a caller can tell it from the vault's own refusals. */
export const UPSTREAM_HEADER = 'authpipe-upstream';

const METHODS: HttpMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
/** Methods whose request body is forwarded (Graph reads none on the others). */
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);
const RAW_TARGET = /^\/v1\/proxy\/([^/?]+)\/(.*)$/s;

// Ids as getCredential takes them: printable (its cache joins them with NUL).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f]+$/;
const printable = z.string().min(1).max(200).regex(CONTROL_CHARACTERS, 'must not contain control characters');
const subjectHeaders = z.object({
  [TENANT_HEADER]: tenantIdSchema.pipe(printable),
  [USER_HEADER]: printable.optional(),
});

/** Registers the proxy route on the Fastify instance Nest runs on. */
@Injectable()
export class ProxyRoute implements OnModuleInit {
  private readonly errors: ErrorFilter;

  constructor(
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    private readonly apiKeys: ApiKeysService,
    private readonly proxy: ProxyService,
    @Inject(IDS) ids: IdGenerator,
  ) {
    this.errors = new ErrorFilter(ids);
  }

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    // An application context without HTTP (the CLI) has no route to add.
    if (!adapter) return;
    const fastify = adapter.getInstance<FastifyInstance>();
    void fastify.register((scope, _options, done) => {
      scope.removeAllContentTypeParsers();
      // Leaves the body unread: the handler streams `request.raw` to Graph.
      scope.addContentTypeParser('*', (_request, _payload, parsed) => parsed(null));
      scope.setErrorHandler((error, _request, reply) => this.refuse(reply, error));
      scope.route({
        method: METHODS,
        url: '/v1/proxy/:provider/*',
        exposeHeadRoute: false,
        // Any body type is Graph's business: the request guards' 415 for non-JSON bodies stays off.
        config: { anyContentType: true },
        handler: (request, reply) => this.handle(request, reply),
      });
      done();
    });
  }

  private async handle(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    try {
      const caller = await this.apiKeys.authenticate(request.headers.authorization, presentedKeyOf(request.raw));
      const target = RAW_TARGET.exec(request.raw.url ?? '');
      if (target === null) throw new ApiError('not_found', 'No such resource.');
      const subject = subjectHeaders.safeParse(request.headers);
      if (!subject.success) {
        throw ApiError.invalidRequest(
          'The request is invalid; see details.',
          subject.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
        );
      }
      const userId = subject.data[USER_HEADER];
      const aborted = new AbortController();
      // The caller went away before the reply was complete: stop Graph's request and body too.
      reply.raw.once('close', () => {
        if (!reply.raw.writableFinished) aborted.abort();
      });
      const method = request.method as HttpMethod;
      const response = await this.proxy.forward(caller, {
        provider: target[1],
        method,
        rawPath: target[2],
        tenantExternalId: asTenantExternalId(subject.data[TENANT_HEADER]),
        subject: userId === undefined ? { credentialFor: 'installation' } : { credentialFor: 'user', userId },
        headers: request.headers,
        body: WITH_BODY.has(method) ? request.raw : null,
        signal: aborted.signal,
      });
      void reply.status(response.status).headers(response.headers).header(UPSTREAM_HEADER, 'microsoft-graph');
      // Graph refused the token and the vault now holds another: callers caching it drop theirs.
      if (response.refreshedCredentialId !== undefined)
        void reply.header(CREDENTIAL_REFRESHED_HEADER, response.refreshedCredentialId);
      // Fastify pipes a stream body with backpressure and destroys it if the caller disconnects.
      await reply.send(response.body);
    } catch (error) {
      await this.refuse(reply, error);
    }
  }

  private refuse(reply: FastifyReply, error: unknown): Promise<void> {
    return this.errors.answer(reply, error);
  }
}
