// GET /v1/credentials/:provider as a raw Fastify route rather than a Nest controller: it is the
// one call a backend makes on every Graph request, and warm it is answered from memory (API key
// and served credential both cached), so the framework's per-request work was most of its cost:
// Nest's router proxy, guard, parameter decorators and pipes, the exception filter's zone around
// each handler. Served here, a warm read costs Fastify's routing and hooks, the API key check,
// two plain input checks, a cache read and the JSON body's bytes, all synchronous (see handle).
// A step further, a warm read written plainly is answered before Fastify routes it, by the same
// checks and with the same answer, counts and request line (the warm lane, serveBeforeFastify);
// everything else, and anything that lane is unsure of, takes the route below.
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
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ROUTES, routerPath, type GetCredentialQuery } from '@authpipe/contract';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PinoLogger } from 'nestjs-pino';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { CLOCK, type Clock } from '../common/clock';
import { ErrorFilter } from '../common/error.filter';
import { IDS, type IdGenerator } from '../common/id-generator';
import { asTenantExternalId } from '../common/tenant-ids';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { logRequestLine, withRequestContext } from '../logging/logging.module';
import type { MetricsService } from '../metrics/metrics.service';
import { apiSecurityHeaders } from '../common/security-headers';
import type { KeyedAdmission } from '../rate-limits/rate-limits';
import { plainParams, plainQuery } from './get-credential.input';
import {
  CredentialRefused,
  GetCredentialService,
  type CredentialCaller,
  type CredentialRequest,
  type ServedCredential,
} from './get-credential.service';
import { presentedKeyOf, rememberedKey } from '../api-keys/presented-key';

const ROUTE = ROUTES.getCredential;
const ROUTE_PATH = routerPath(ROUTE);

/** What the warm lane needs from the application around it (see {@link GetCredentialRoute.openLane}). */
export interface WarmLaneOptions {
  /** The per-key rate limit, as the rate-limit hook counts it. */
  admission: KeyedAdmission;
  /** Fastify's request-id generator (the same function, so ids stay unique). */
  requestId: (req: IncomingMessage) => string;
  /** Whether the public URL is https (HSTS). */
  https: boolean;
  /** The HTTP duration histogram, as the metrics hook counts it. */
  metrics: Pick<MetricsService, 'observeRequest'>;
}

/** Registers GET /v1/credentials/:provider on the Fastify instance Nest runs on. */
@Injectable()
export class GetCredentialRoute implements OnModuleInit, BeforeApplicationShutdown {
  private readonly errors: ErrorFilter;
  /** Set once the application is ready ({@link openLane}); null again from shutdown on. */
  private lane: (WarmLaneOptions & { headers: string[] }) | null = null;
  private readonly params = new ZodValidationPipe(ROUTE.params, 'params');
  private readonly query = new ZodValidationPipe(ROUTE.query, 'query');
  /** Served answer → its JSON and, once the warm lane served it, the lane's whole head (see {@link bodyOf}). */
  private readonly bodies = new WeakMap<ServedCredential, Body>();

  constructor(
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
    private readonly apiKeys: ApiKeysService,
    private readonly credentials: GetCredentialService,
    @Inject(IDS) ids: IdGenerator,
    @Inject(CLOCK) private readonly clock: Clock,
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
        url: ROUTE_PATH,
        // Warm, nothing but the request line is logged: the request is bound to log lines only on
        // the paths that may log (see handle and refuse), not up front on every read.
        config: { ownLogContext: true },
        handler: (request, reply) => this.handle(request, reply),
      });
      done();
    });
  }

  /** Lets {@link serveBeforeFastify} answer from now on. */
  openLane(options: WarmLaneOptions): void {
    this.lane = {
      ...options,
      headers: [
        'content-type',
        'application/json; charset=utf-8',
        'cache-control',
        'no-store',
        ...apiSecurityHeaders({ https: options.https }).flat(),
      ],
    };
  }

  /** From shutdown on, every request goes through Fastify, which answers 503 once it closes. */
  beforeApplicationShutdown(): void {
    this.lane = null;
  }

  /**
   * The warm lane: a warm read answered before Fastify routes the request, from the server's own
   * request handler (bootstrap.ts). Why: a warm read costs the vault's handler a few µs, and
   * Fastify's routing, request and reply objects and the hooks of every route about 20 µs more
   * (Nest's adapter alone adds seven hooks that do nothing here); bench:warm-http's goal, 70 % of
   * a bare Fastify route's requests/s, is out of reach with them.
   *
   * It answers only a request that everything in Fastify's path would answer the same way, and
   * leaves every other one untouched (returns false) to Fastify, which then does it all:
   * - a `GET` whose URL is `/v1/credentials/<provider>?<query>` written plainly (no percent
   *   encoding, `+`, fragment or repeated key: Fastify's router and query parser would read it the
   *   same, and no NUL can hide in it), with no body (the request guards have nothing to refuse);
   * - an API key the key store accepts from memory, input the hand checks accept, and an answer in
   *   the served-credential cache (so nothing awaits, nothing but the request line is logged);
   * - the per-key rate limit counted as its hook counts (see {@link KeyedAdmission});
   * - the answer as {@link answer} and the hooks make it: the same status, body and headers
   *   (the security headers' hook's values, apiSecurityHeaders), the duration histogram under the
   *   route's template, the request line with a request id from Fastify's own generator.
   * The spec serves the same requests both ways and compares. A new global Fastify hook must be
   * taught here too, or make this step aside; the spec lists the hooks this was written against
   * and fails when that list changes.
   */
  serveBeforeFastify(req: IncomingMessage, res: ServerResponse, arrived: number): boolean {
    try {
      return this.serveWarm(req, res, arrived);
    } catch (error) {
      // No Fastify around this to catch a fault: it must not take the process down. Before the
      // answer is written the request goes on to Fastify, which serves or refuses it as usual.
      this.logs.error({ err: error }, 'The warm getCredential lane failed; the request goes on through Fastify');
      if (!res.headersSent) return false;
      res.destroy();
      return true;
    }
  }

  private serveWarm(req: IncomingMessage, res: ServerResponse, arrived: number): boolean {
    const lane = this.lane;
    if (lane === null || req.method !== 'GET') return false;
    const target = plainTarget(req.url!);
    if (target === null || hasBody(req)) return false;
    // Only a value that authenticated lately (no parsing or hashing here: a value that is not
    // remembered goes to Fastify, whose check does that once); and not presentedKeyOf, which keeps
    // the value on the request object for Fastify's hooks, a new property on every request.
    const presented = rememberedKey(req.headers.authorization);
    if (presented === null) return false;
    // One reading of the clock for the key's use, the served entry's freshness and the audit.
    const now = this.clock();
    const caller = this.apiKeys.authenticatedFromMemory(req.headers.authorization, presented, now);
    // The provider already matched PLAIN_URL, narrower than plainParams' test.
    const query = caller && plainQuery(target.query);
    if (!query) return false;
    const bucket = presented.bucket;
    const served = this.credentials.cachedIf(
      caller,
      askedFor(target.provider, query),
      () => lane.admission.admit(bucket),
      now,
    );
    if (served === undefined) return false;
    const id = lane.requestId(req);
    const body = this.bodyOf(served);
    // Node reads the array and keeps nothing of it: one per answer serves every read of it.
    body.laneHead ??= [...lane.headers, 'content-length', String(Buffer.byteLength(body.json))];
    res.writeHead(ROUTE.response.status, body.laneHead);
    res.end(body.json);
    const elapsed = performance.now() - arrived;
    lane.metrics.observeRequest('GET', ROUTE_PATH, res.statusCode, elapsed);
    logRequestLine({ id, method: 'GET', url: req.url!, headers: req.headers }, res, elapsed);
    return true;
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
    return this.bodyOf(served).json;
  }

  /**
   * The answer's JSON, serialised once per served answer: a warm read returns the object the
   * served-credential cache holds, so its JSON is kept beside it (weakly: it goes when the entry
   * goes) rather than stringified on every read, which was about 5 % of a warm read. Kept as a
   * string, not as bytes: Node joins a string body to the response head and writes both with one
   * `write`, where a Buffer body makes a `writev` of the head and the body; measured on a warm read
   * under load (bench:warm-http's server CPU per request), bytes cost 3 to 16 µs more of the
   * vault's 60 to 75 µs per request than the string's UTF-8 encoding does. The warm lane keeps
   * its whole head beside it (headers and Content-Length: counting the bytes scans the string).
   */
  private bodyOf(served: ServedCredential): Body {
    let body = this.bodies.get(served);
    if (body === undefined) {
      body = { json: JSON.stringify(served), laneHead: null };
      this.bodies.set(served, body);
    }
    return body;
  }

  private refuse(request: FastifyRequest, reply: FastifyReply, error: unknown): Promise<void> {
    return withRequestContext(this.logs, request, () =>
      this.errors.answer(reply, error instanceof CredentialRefused ? error.toApiError() : error),
    );
  }
}

const TARGET_PREFIX = '/v1/credentials/';
/**
 * The characters of a plain target: `/v1/credentials/<provider>?<query>` in unreserved characters
 * (and `@`, `:`), with `=` and `&` only as the query's structure ({@link plainTarget} checks it).
 */
const PLAIN_URL = /^\/v1\/credentials\/[\w.~-]{1,100}\?[\w.~@:=&-]+$/;

/** The query of a plain target: the four keys getCredential knows, each given at most once. */
interface PlainQuery {
  tenantId: string | undefined;
  userId: string | undefined;
  credentialFor: string | undefined;
  forceRefresh: string | undefined;
}

/**
 * The provider and query of `/v1/credentials/<provider>?<query>` written plainly: unreserved
 * characters (and `@`, `:`) only, no percent-encoding or `+`, each pair `key=value` with one of
 * the four keys getCredential knows, each key once. What Fastify would route and parse to the same
 * params and query; null for anything else (left to Fastify): another key (`__proto__` included)
 * or one given twice, which plainQuery would refuse anyway, an empty pair, a pair without `=`.
 *
 * Read by hand into one fixed shape: the warm lane reads it on every request, and a map of
 * whatever keys the URL holds (keys compared by hashing fresh strings, stores at keys known only
 * then) was a sizeable share of its time.
 */
function plainTarget(url: string): { provider: string; query: PlainQuery } | null {
  if (!PLAIN_URL.test(url)) return null;
  const question = url.indexOf('?', TARGET_PREFIX.length);
  const query: PlainQuery = {
    tenantId: undefined,
    userId: undefined,
    credentialFor: undefined,
    forceRefresh: undefined,
  };
  let start = question + 1;
  let equals = url.indexOf('=', start);
  for (;;) {
    const ampersand = url.indexOf('&', start);
    const end = ampersand === -1 ? url.length : ampersand;
    // A pair without `=`, or with a second one (in its value).
    if (equals === -1 || equals > end) return null;
    const next = url.indexOf('=', equals + 1);
    if (next !== -1 && next < end) return null;
    const value = url.slice(equals + 1, end);
    // The keys' lengths differ (8, 6, 13, 12): the length tells which it may be.
    switch (equals - start) {
      case 8:
        if (query.tenantId !== undefined || !url.startsWith('tenantId', start)) return null;
        query.tenantId = value;
        break;
      case 6:
        if (query.userId !== undefined || !url.startsWith('userId', start)) return null;
        query.userId = value;
        break;
      case 13:
        if (query.credentialFor !== undefined || !url.startsWith('credentialFor', start)) return null;
        query.credentialFor = value;
        break;
      case 12:
        if (query.forceRefresh !== undefined || !url.startsWith('forceRefresh', start)) return null;
        query.forceRefresh = value;
        break;
      default:
        return null;
    }
    if (ampersand === -1) return { provider: url.slice(TARGET_PREFIX.length, question), query };
    start = ampersand + 1;
    equals = next;
  }
}

/** Whether the request says it carries a body (the request guards' test). */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
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

/** A served answer's JSON, and the warm lane's head for it (names and values, as writeHead takes them). */
interface Body {
  json: string;
  laneHead: string[] | null;
}

/** A request that passed the route's checks: who asks, and for what. */
interface Checked {
  caller: CredentialCaller;
  asked: CredentialRequest;
}
