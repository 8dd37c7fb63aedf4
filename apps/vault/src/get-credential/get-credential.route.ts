// GET /v1/credentials/:provider as a raw Fastify route rather than a Nest controller: it is the
// one call a backend makes on every Graph request, and warm it is answered from memory (API key
// and served credential both cached), so the framework's per-request work was most of its cost:
// Nest's router proxy, guard, parameter decorators and pipes, the exception filter's zone around
// each handler. Served here, a warm read costs Fastify's routing and hooks, the API key check,
// two plain input checks, a cache read and the JSON body's bytes, all synchronous (see handle).
//
// The contract is the controller's was, unchanged:
// - the route (method, path, success status) is ROUTES.getCredential's, as is /docs (generated
//   from the contract; the docs test compares the served routes with it);
// - the global Fastify hooks run as on every route: request guards, rate limits (per key),
//   metrics, security headers and the request line (logging.module.ts); what the service logs on
//   a cold read or a refusal carries the request, as on every route (`ownLogContext`: bound there
//   rather than on arrival, where a warm read would pay for a child logger it never uses);
// - the same order of checks: API key first (ApiKeysService, the guard's cached lookup, the
//   presented key parsed and hashed once with the rate limiter), then the params and the query
//   against the contract's schemas, with the validation pipe's errors (plainly valid input is
//   accepted by hand first, see get-credential.input.ts);
// - refusals in the catalog's shape through the same ErrorFilter mapping, `Retry-After` on
//   `provider_unavailable`, `Cache-Control: no-store` on the credential.
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ROUTES, routerPath, type GetCredentialQuery } from '@authpipe/contract';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PinoLogger } from 'nestjs-pino';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { ErrorFilter } from '../common/error.filter';
import { IDS, type IdGenerator } from '../common/id-generator';
import { asTenantExternalId } from '../common/tenant-ids';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { withRequestContext } from '../logging/logging.module';
import { plainParams, plainQuery } from './get-credential.input';
import {
  CredentialRefused,
  GetCredentialService,
  type CredentialCaller,
  type CredentialRequest,
  type ServedCredential,
} from './get-credential.service';
import { presentedKeyOf } from '../api-keys/presented-key';

const ROUTE = ROUTES.getCredential;

/** Registers GET /v1/credentials/:provider on the Fastify instance Nest runs on. */
@Injectable()
export class GetCredentialRoute implements OnModuleInit {
  private readonly errors: ErrorFilter;
  private readonly params = new ZodValidationPipe(ROUTE.params, 'params');
  private readonly query = new ZodValidationPipe(ROUTE.query, 'query');
  /** Served answer → its JSON (see {@link jsonOf}). */
  private readonly json = new WeakMap<ServedCredential, string>();

  constructor(
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    private readonly apiKeys: ApiKeysService,
    private readonly credentials: GetCredentialService,
    @Inject(IDS) ids: IdGenerator,
    private readonly logs: PinoLogger,
  ) {
    this.errors = new ErrorFilter(ids);
  }

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    // An application context without HTTP (the CLI) has no route to add.
    if (!adapter) return;
    const fastify = adapter.getInstance<FastifyInstance>();
    void fastify.register((scope, _options, done) => {
      scope.setErrorHandler((error, request, reply) => this.refuse(request, reply, error));
      scope.route({
        method: ROUTE.method,
        url: routerPath(ROUTE),
        // Warm, nothing but the request line is logged: the request is bound to log lines only on
        // the paths that may log (see handle and refuse), not up front on every read.
        config: { ownLogContext: true },
        handler: (request, reply) => this.handle(request, reply),
      });
      done();
    });
  }

  /**
   * A warm read, answered synchronously: the key accepted from memory, plainly valid input and the
   * served-credential cache's answer (no promise, no await between the request and its answer).
   * A cache miss for a request checked that way is read from the database without checking it
   * again; anything else (a key not in memory, input for the schemas, a refusal) goes through
   * {@link serve} from the start, which checks everything in order.
   */
  private handle(request: FastifyRequest, reply: FastifyReply): string | Promise<string | undefined> {
    const caller = this.apiKeys.authenticatedFromMemory(request.headers.authorization, presentedKeyOf(request.raw));
    const params = caller && plainParams(request.params);
    const query = params && plainQuery(request.query);
    if (!query) return this.serve(request, reply);
    const asked = askedFor(params.provider, query);
    const served = this.credentials.cached(caller, asked);
    return served ? this.answer(reply, served) : this.serve(request, reply, { caller, asked });
  }

  /** The request checked and answered; `missed` when {@link handle} checked it and the cache missed. */
  private async serve(request: FastifyRequest, reply: FastifyReply, missed?: Checked): Promise<string | undefined> {
    try {
      const { caller, asked } = missed ?? (await this.checked(request));
      // From memory and logging nothing; else (database, refresh) with the request bound to
      // whatever is logged, as every other route has it from the start.
      const served =
        (missed ? undefined : this.credentials.cached(caller, asked)) ??
        (await withRequestContext(this.logs, request, () => this.credentials.load(caller, asked)));
      return this.answer(reply, served);
    } catch (error) {
      await this.refuse(request, reply, error);
      return undefined;
    }
  }

  /** The API key first, then the params and the query; refusals thrown as the catalog's errors. */
  private async checked(request: FastifyRequest): Promise<Checked> {
    const caller = await this.apiKeys.authenticate(request.headers.authorization, presentedKeyOf(request.raw));
    // Plainly valid input is taken as is; the rest goes through the contract's schemas.
    const { provider } = plainParams(request.params) ?? this.params.transform(request.params);
    return { caller, asked: askedFor(provider, plainQuery(request.query) ?? this.query.transform(request.query)) };
  }

  private answer(reply: FastifyReply, served: ServedCredential): string {
    // A token: no shared cache may keep it.
    reply
      .code(ROUTE.response.status)
      .header('cache-control', 'no-store')
      .header('content-type', 'application/json; charset=utf-8');
    return this.jsonOf(served);
  }

  /**
   * The answer's JSON, serialised once per served answer: a warm read returns the object the
   * served-credential cache holds, so its JSON is kept beside it (weakly: it goes when the entry
   * goes) rather than stringified on every read, which was about 5 % of a warm read. Kept as a
   * string, not as bytes: Node joins a string body to the response head and writes both with one
   * `write`, where a Buffer body makes a `writev` of the head and the body; measured on a warm read
   * under load (bench:warm-http's server CPU per request), bytes cost 3 to 16 µs more of the
   * vault's 60 to 75 µs per request than the string's UTF-8 encoding does.
   */
  private jsonOf(served: ServedCredential): string {
    let json = this.json.get(served);
    if (json === undefined) {
      json = JSON.stringify(served);
      this.json.set(served, json);
    }
    return json;
  }

  private refuse(request: FastifyRequest, reply: FastifyReply, error: unknown): Promise<void> {
    return withRequestContext(this.logs, request, () =>
      this.errors.answer(reply, error instanceof CredentialRefused ? error.toApiError() : error),
    );
  }
}

function askedFor(provider: string, query: GetCredentialQuery): CredentialRequest {
  return {
    provider,
    tenantExternalId: asTenantExternalId(query.tenantId),
    subject:
      query.credentialFor === 'user'
        ? { credentialFor: 'user', userId: query.userId! }
        : { credentialFor: 'installation' },
    forceRefresh: query.forceRefresh === 'true',
  };
}

/** A request that passed the route's checks: who asks, and for what. */
interface Checked {
  caller: CredentialCaller;
  asked: CredentialRequest;
}
