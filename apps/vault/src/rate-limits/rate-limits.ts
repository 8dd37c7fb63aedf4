import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../common/api-error';
import { noteErrorCode } from '../common/error-code-note';
import { presentedKeyOf, type PresentedKey } from '../api-keys/presented-key';
import type { RateLimitConfig } from '../config/config.schema';

export type { RateLimitConfig } from '../config/config.schema';

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;
type Outcome = Awaited<ReturnType<Limiter>>;

/** Routes reachable without an API key, where a flood costs a flow state, a cookie or a token check. */
const UNAUTHENTICATED = /^\/(connect|oauth|admin)(\/|\?|$)/;
const API = /^\/v1(\/|\?|$)/;
/** Buckets kept per limiter; the least recently used fall out first (the plugin's LRU). */
const BUCKETS = 10_000;

/**
 * Installs the vault's request limits on its Fastify instance, before the routes are ready:
 * counters live in this replica's memory (@fastify/rate-limit's local store), so N replicas
 * behind a balancer allow up to N times each limit. Each request is counted once per limit that
 * applies to it; the first limit exceeded answers 429 `rate_limited` with Retry-After.
 */
export async function installRateLimits(fastify: FastifyInstance, config: RateLimitConfig): Promise<void> {
  await fastify.register(rateLimit, { global: false });
  const limiter = (max: number, keyGenerator?: (req: FastifyRequest) => string): Limiter | null => {
    if (max === 0) return null;
    // Without a key generator the plugin's own applies: the client address (IPv6 per /64). Its
    // local store reads `cache` (buckets kept), which its types leave out.
    const options = { max, timeWindow: config.windowMs, cache: BUCKETS, ...(keyGenerator ? { keyGenerator } : {}) };
    return fastify.createRateLimit(options);
  };
  const perIp = limiter(config.perIp);
  const unauthenticated = limiter(config.unauthenticatedPerIp);
  const perKey = limiter(config.perKey, (req) => `key:${bucketOf(presentedKeyOf(req.raw)) ?? ''}`);
  const authFailures = limiter(config.authFailuresPerIp);

  fastify.addHook('onRequest', async (request, reply) => {
    for (const [scope, limit, increment] of limitsOf(request)) {
      if (limit === null) continue;
      const outcome = await limit(request, { increment });
      const exceeded = increment ? isOver(outcome) : isAtLimit(outcome);
      if (exceeded !== null) return refuse(reply, scope, exceeded);
    }
  });
  /**
   * The limits a request counts against. /v1 with a key: that key's bucket, and its address's
   * failed authentications (read here, counted on a 401 below), but no per-address limit: a
   * project's backend often sends all its traffic from one address. Everything else: its address.
   */
  function limitsOf(request: FastifyRequest): [scope: Scope, limit: Limiter | null, increment: boolean][] {
    if (UNAUTHENTICATED.test(request.url)) return [['address', unauthenticated, true]];
    if (API.test(request.url) && presentedKeyOf(request.raw) !== null) {
      return [
        ['failed_authentications', authFailures, false],
        ['api_key', perKey, true],
      ];
    }
    return [['address', perIp, true]];
  }

  if (authFailures !== null) {
    // A callback hook: it runs on every request and has work only on a 401.
    fastify.addHook('onResponse', (request, reply, done) => {
      if (reply.statusCode === 401 && API.test(request.url)) {
        authFailures(request).then(
          () => done(),
          (error: unknown) => done(error as Error),
        );
      } else {
        done();
      }
    });
  }
}

/** What a refusal says: how many requests the window allows and when the next one may come. */
interface Exceeded {
  limit: number;
  retryAfterSeconds: number;
}

function isOver(outcome: Outcome): Exceeded | null {
  if (outcome.isAllowed || !outcome.isExceeded) return null;
  return { limit: outcome.max, retryAfterSeconds: Math.max(1, outcome.ttlInSeconds) };
}

function isAtLimit(outcome: Outcome): Exceeded | null {
  if (outcome.isAllowed || outcome.remaining > 0) return null;
  return { limit: outcome.max, retryAfterSeconds: Math.max(1, outcome.ttlInSeconds) };
}

type Scope = 'address' | 'api_key' | 'failed_authentications';

const SAYS: Record<Scope, string> = {
  address: 'Too many requests from this address',
  api_key: 'Too many requests with this API key',
  failed_authentications: 'Too many failed API key authentications from this address',
};

function refuse(reply: FastifyReply, scope: Scope, exceeded: Exceeded): FastifyReply {
  const error = new ApiError('rate_limited', `${SAYS[scope]}; retry in ${exceeded.retryAfterSeconds} s.`, {
    remediation: `Wait ${exceeded.retryAfterSeconds} s (Retry-After) before retrying, and spread requests out.`,
    details: { scope, limit: exceeded.limit, retryAfterSeconds: exceeded.retryAfterSeconds },
  });
  noteErrorCode(reply.raw, error.code);
  return reply
    .code(429)
    .header('retry-after', String(exceeded.retryAfterSeconds))
    .header('content-type', 'application/json; charset=utf-8')
    .send({ error: error.toBody() });
}

/**
 * The per-key bucket: a digest of the whole presented key, never its public id alone (public ids
 * are shown in lists, so anyone could otherwise drain another project's bucket). The digest is
 * the one authentication compares with the stored hash ({@link presentedKeyOf} computes it once
 * per request), cut to 128 bits. Null without a bearer credential.
 */
export function bucketOf(presented: PresentedKey | null): string | null {
  return presented === null ? null : presented.digest.toString('base64url', 0, 16);
}
