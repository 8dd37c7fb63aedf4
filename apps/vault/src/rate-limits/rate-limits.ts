import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { LRUCache } from 'lru-cache';
import { ApiError } from '../common/api-error';
import { noteErrorCode } from '../common/error-code-note';
import { presentedKeyOf } from '../api-keys/presented-key';
import type { RateLimitConfig } from '../config/config.schema';

export type { RateLimitConfig } from '../config/config.schema';

/** Routes reachable without an API key, where a flood costs a flow state, a cookie or a token check. */
const UNAUTHENTICATED = /^\/(connect|oauth|admin)(\/|\?|$)/;
const API = /^\/v1(\/|\?|$)/;
/** Buckets kept per limit; the least recently seen fall out first. */
const BUCKETS = 10_000;

/**
 * Installs the vault's request limits on its Fastify instance, before the routes are ready:
 * counters live in this replica's memory, so N replicas behind a balancer allow up to N times each
 * limit. Each request is counted once per limit that applies to it; the first limit exceeded
 * answers 429 `rate_limited` with Retry-After.
 */
export function installRateLimits(fastify: FastifyInstance, config: RateLimitConfig): KeyedAdmission {
  const limit = (max: number) => (max === 0 ? null : new WindowCounts(max, config.windowMs));
  const perIp = limit(config.perIp);
  const unauthenticated = limit(config.unauthenticatedPerIp);
  const perKey = limit(config.perKey);
  const authFailures = limit(config.authFailuresPerIp);

  // A callback hook, all in memory: it runs on every request (getCredential's warm read too).
  fastify.addHook('onRequest', (request, reply, done) => {
    const exceeded = exceededBy(request);
    if (exceeded === null) done();
    else refuse(reply, exceeded.scope, exceeded);
  });

  /**
   * The limits a request counts against, checked in order. /v1 with a key: that key's bucket, and
   * its address's failed authentications (read here, counted on a 401 below), but no per-address
   * limit: a project's backend often sends all its traffic from one address. Everything else: its
   * address.
   */
  function exceededBy(request: FastifyRequest): (Exceeded & { scope: Scope }) | null {
    if (UNAUTHENTICATED.test(request.url)) return scoped('address', unauthenticated?.count(addressOf(request)));
    const presented = API.test(request.url) ? presentedKeyOf(request.raw) : null;
    if (presented === null) return scoped('address', perIp?.count(addressOf(request)));
    return (
      scoped('failed_authentications', authFailures?.peek(addressOf(request))) ??
      scoped('api_key', perKey?.count(presented.bucket))
    );
  }

  if (authFailures !== null) {
    // A callback hook: it runs on every request and has work only on a 401.
    fastify.addHook('onResponse', (request, reply, done) => {
      if (reply.statusCode === 401 && API.test(request.url)) authFailures.count(addressOf(request));
      done();
    });
  }

  // The hook's check for a /v1 request with a key, for a request answered before Fastify sees it.
  // The address is not worked out there (a trusted proxy's X-Forwarded-For is Fastify's to read),
  // so while any address has used up its failed authentications, every such request is left to
  // the hook; otherwise the key's bucket is counted as the hook counts it.
  return {
    admit(bucket) {
      // One reading of the clock for both (on this kind of VM each costs about 65 ns).
      const now = Date.now();
      if (authFailures?.anyFull(now)) return false;
      return perKey === null || perKey.count(bucket, now) === null;
    },
  };
}

/**
 * The per-key limit for a keyed /v1 request answered outside Fastify (the warm getCredential lane,
 * GetCredentialRoute.serveBeforeFastify).
 */
export interface KeyedAdmission {
  /**
   * Counts the request against its key's bucket and says whether it may be answered. False: leave
   * it to Fastify, whose hook answers the refusal (counting it once more in a bucket already past
   * its limit, which changes nothing: the window and its Retry-After stay as they are), or finds an
   * address that has used up its failed authentications.
   */
  admit(bucket: string): boolean;
}

/**
 * Requests counted per bucket in fixed windows, each starting at its bucket's first request (as
 * @fastify/rate-limit's local store counts, which the vault used before), in an LRU of at most
 * {@link BUCKETS} buckets. Written here rather than taken from that plugin: the plugin answers each
 * check through a promise chain (its key generator, its store and the result, awaited), twice on
 * every keyed request, which with its IPv6 normalisation was about 7 % of a warm getCredential;
 * the counting itself is these few lines.
 */
class WindowCounts {
  private readonly windows = new LRUCache<string, { count: number; endsAt: number }>({ max: BUCKETS });
  /** Until when some bucket has used up its limit (the latest end of such a window). */
  private fullUntil = 0;

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /** Counts one request; what a refusal says once it is past the limit, else null. */
  count(bucket: string, now = Date.now()): Exceeded | null {
    let window = this.windows.get(bucket);
    if (window === undefined || window.endsAt <= now) {
      window = { count: 0, endsAt: now + this.windowMs };
      this.windows.set(bucket, window);
    }
    window.count++;
    if (window.count >= this.max && window.endsAt > this.fullUntil) this.fullUntil = window.endsAt;
    return window.count > this.max ? this.exceeded(window, now) : null;
  }

  /** Whether some bucket may have used up its limit now (conservative: kept until its window ends). */
  anyFull(now = Date.now()): boolean {
    return now < this.fullUntil;
  }

  /** Whether the bucket has used up its limit, without counting this request. */
  peek(bucket: string): Exceeded | null {
    const now = Date.now();
    const window = this.windows.get(bucket);
    if (window === undefined || window.endsAt <= now || window.count < this.max) return null;
    return this.exceeded(window, now);
  }

  private exceeded(window: { endsAt: number }, now: number): Exceeded {
    return { limit: this.max, retryAfterSeconds: Math.max(1, Math.ceil((window.endsAt - now) / 1000)) };
  }
}

function scoped(scope: Scope, exceeded: Exceeded | null | undefined): (Exceeded & { scope: Scope }) | null {
  return exceeded ? { ...exceeded, scope } : null;
}

/**
 * The address a request counts against: Fastify's client address (the connecting one, or the one
 * a trusted proxy names), an IPv6 one by its /64 (a host is often given a whole /64 to pick
 * addresses from), an IPv4-mapped one as the IPv4 address it is.
 */
export function addressOf(request: Pick<FastifyRequest, 'ip'>): string {
  const ip = request.ip;
  if (!ip.includes(':')) return ip;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) return mapped[1];
  return `${ipv6Prefix64(ip)}::/64`;
}

/** The first four groups of an IPv6 address, zero-padded and lowercase (`2001:0db8:0000:0001`). */
function ipv6Prefix64(ip: string): string {
  const address = ip.split('%')[0]; // a zone (fe80::1%eth0) names the interface, not the host
  const [head, tail] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail === undefined ? [] : tail ? tail.split(':') : [];
  // An IPv4 tail (::ffff:1.2.3.4, 64:ff9b::1.2.3.4) is two groups.
  const tailGroups = right.reduce((n, group) => n + (group.includes('.') ? 2 : 1), 0);
  const groups =
    tail === undefined ? left : [...left, ...Array<string>(8 - left.length - tailGroups).fill('0'), ...right];
  return groups
    .slice(0, 4)
    .map((group) => group.toLowerCase().padStart(4, '0'))
    .join(':');
}

/** What a refusal says: how many requests the window allows and when the next one may come. */
interface Exceeded {
  limit: number;
  retryAfterSeconds: number;
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
