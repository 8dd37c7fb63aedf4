import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatApiKey } from '../api-keys/api-key-format';
import { presentedKey } from '../api-keys/presented-key';
import { addressOf, installRateLimits, type RateLimitConfig } from './rate-limits';

const OFF: RateLimitConfig = { perIp: 0, unauthenticatedPerIp: 0, perKey: 0, authFailuresPerIp: 0, windowMs: 60_000 };

let server: FastifyInstance | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A bare Fastify with the vault's limits and one route per kind; /v1 answers 401 to `Bearer bad`. */
function serverWith(config: Partial<RateLimitConfig>): FastifyInstance {
  server = Fastify();
  installRateLimits(server, { ...OFF, ...config });
  server.get('/healthz', () => ({ ok: true }));
  server.get('/connect/:provider', () => ({ ok: true }));
  server.get('/v1/tenants', async (req, reply) =>
    req.headers.authorization === 'Bearer bad'
      ? reply.code(401).send({ error: { code: 'invalid_api_key' } })
      : { ok: true },
  );
  return server;
}

async function statuses(app: FastifyInstance, count: number, url: string, authorization?: string): Promise<number[]> {
  const seen: number[] = [];
  for (let i = 0; i < count; i++) {
    seen.push((await app.inject({ url, headers: authorization ? { authorization } : {} })).statusCode);
  }
  return seen;
}

describe(installRateLimits.name, () => {
  it("admits a request answered outside Fastify by its key's bucket, and none while an address is refused", async () => {
    server = Fastify();
    const admission = installRateLimits(server, { ...OFF, perKey: 2, authFailuresPerIp: 2 });
    server.get('/v1/tenants', async (req, reply) =>
      req.headers.authorization === 'Bearer bad' ? reply.code(401).send({}) : { ok: true },
    );
    expect([admission.admit('bucket-a'), admission.admit('bucket-a'), admission.admit('bucket-a')]).toEqual([
      true,
      true,
      false,
    ]);
    // The hook counted nothing of those: another key's bucket is its own.
    expect(admission.admit('bucket-b')).toBe(true);
    // One address at its failed-authentication limit: every keyed request is left to the hook.
    expect(await statuses(server, 2, '/v1/tenants', 'Bearer bad')).toEqual([401, 401]);
    expect(admission.admit('bucket-c')).toBe(false);
  });

  it('limits nothing when every limit is 0', async () => {
    const app = serverWith({});
    expect(new Set(await statuses(app, 30, '/connect/x'))).toEqual(new Set([200]));
  });

  it('applies the stricter limit to unauthenticated routes and the general one elsewhere', async () => {
    const app = serverWith({ perIp: 5, unauthenticatedPerIp: 2 });
    expect(await statuses(app, 3, '/connect/x')).toEqual([200, 200, 429]);
    expect(await statuses(app, 6, '/healthz')).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('counts only failed authentications against an address, and refuses before the route past the limit', async () => {
    const app = serverWith({ authFailuresPerIp: 2, perKey: 100 });
    expect(await statuses(app, 3, '/v1/tenants', 'Bearer good')).toEqual([200, 200, 200]);
    expect(await statuses(app, 3, '/v1/tenants', 'Bearer bad')).toEqual([401, 401, 429]);
    // The address is now refused whatever key it sends, without reaching the key check.
    expect(await statuses(app, 1, '/v1/tenants', 'Bearer good')).toEqual([429]);
  });

  it('starts a new window once the last one has ended, and says how long is left of it', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const app = serverWith({ perIp: 2, windowMs: 60_000 });
      expect(await statuses(app, 3, '/healthz')).toEqual([200, 200, 429]);
      vi.advanceTimersByTime(45_000);
      const refused = await app.inject({ url: '/healthz' });
      expect(refused.headers['retry-after']).toBe('15');
      vi.advanceTimersByTime(15_000);
      expect(await statuses(app, 3, '/healthz')).toEqual([200, 200, 429]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('answers 429 rate_limited in the stable error shape with Retry-After', async () => {
    const app = serverWith({ perKey: 1 });
    await app.inject({ url: '/v1/tenants', headers: { authorization: 'Bearer k' } });
    const res = await app.inject({ url: '/v1/tenants', headers: { authorization: 'Bearer k' } });
    expect(res.statusCode).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(res.json()).toMatchObject({ error: { code: 'rate_limited', details: { scope: 'api_key', limit: 1 } } });
  });
});

describe(addressOf.name, () => {
  const of = (ip: string) => addressOf({ ip });

  it('counts an IPv4 address as itself, also when it arrives IPv4-mapped', () => {
    expect(of('203.0.113.7')).toBe('203.0.113.7');
    expect(of('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('counts an IPv6 address by its /64, however it is written', () => {
    expect(of('2001:db8:0:1::1')).toBe('2001:0db8:0000:0001::/64');
    expect(of('2001:DB8:0:1:ffff:ffff:ffff:ffff')).toBe('2001:0db8:0000:0001::/64');
    expect(of('2001:db8::1')).toBe('2001:0db8:0000:0000::/64');
    expect(of('2001:db8:0:2::1')).not.toBe(of('2001:db8:0:1::1'));
    expect(of('::1')).toBe('0000:0000:0000:0000::/64');
    expect(of('fe80::1%eth0')).toBe('fe80:0000:0000:0000::/64');
    expect(of('64:ff9b:1:2::192.0.2.1')).toBe('0064:ff9b:0001:0002::/64');
  });
});

describe('the per-key bucket', () => {
  const bucket = (authorization: string | undefined) => presentedKey(authorization)?.bucket ?? null;

  it('tells apart keys that share a public id, so a public id alone cannot drain a bucket', () => {
    const a = bucket('Bearer ap_sk_AAAAAAAAAAAA_secretone_ck');
    const b = bucket('Bearer ap_sk_AAAAAAAAAAAA_secrettwo_ck');
    expect(a).not.toBeNull();
    expect(a).not.toBe(b);
    expect(bucket('bearer   ap_sk_AAAAAAAAAAAA_secretone_ck')).toBe(a);
  });

  it('tells apart well-formed keys that share a public id (the digest authentication compares)', () => {
    const one = formatApiKey({ publicId: 'A'.repeat(12), secret: 'a'.repeat(40) });
    const two = formatApiKey({ publicId: 'A'.repeat(12), secret: 'b'.repeat(40) });
    expect(presentedKey(`Bearer ${one}`)?.parsed).not.toBeNull();
    expect(bucket(`Bearer ${one}`)).toMatch(/^[\w-]{22}$/);
    expect(bucket(`Bearer ${one}`)).not.toBe(bucket(`Bearer ${two}`));
  });

  it('is null without a bearer credential', () => {
    expect(bucket(undefined)).toBeNull();
    expect(bucket('Basic dXNlcjpwYXNz')).toBeNull();
  });
});
