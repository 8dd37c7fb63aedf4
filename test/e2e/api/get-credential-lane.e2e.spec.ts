// The warm getCredential lane (GetCredentialRoute.serveBeforeFastify): a warm read answered by the
// server's own handler before Fastify routes it. Each test serves the same read both ways — over
// HTTP, where the lane answers, and through Fastify's `inject`, which never passes the server's
// handler and so takes Fastify's path with all its hooks — and compares what a client, the logs,
// the metrics and the rate limit see.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ApiKeysService } from '../../../apps/vault/src/api-keys/api-keys.service';
import { GetCredentialRoute } from '../../../apps/vault/src/get-credential/get-credential.route';
import { GetCredentialService } from '../../../apps/vault/src/get-credential/get-credential.service';
import { MetricsService } from '../../../apps/vault/src/metrics/metrics.service';
import { aCredentialWorld, aLiveConnection, bearer, type RegisteredApp } from '@test/support/builders';
import { useTestEmulator } from '@test/support/test-emulator';
import { useTestVault } from '@test/support/test-vault';

const PER_KEY = 5;
const PATH = '/v1/credentials/microsoft-onedrive';
/** Headers only a socket has (inject's fake response has none of them, or others). */
const TRANSPORT = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);
/** Fastify's hooks of a request's lifecycle (not the application's: onRoute, onReady…). */
const REQUEST_HOOKS = new Set([
  'onRequest',
  'preParsing',
  'preValidation',
  'preHandler',
  'preSerialization',
  'onSend',
  'onResponse',
  'onError',
  'onTimeout',
  'onRequestAbort',
]);

describe('the warm getCredential lane (e2e)', () => {
  const t = useTestEmulator();
  const vault = useTestVault(() => ({
    emulator: t,
    env: { AUTHPIPE_RATE_LIMIT_PER_KEY: String(PER_KEY), AUTHPIPE_RATE_LIMIT_WINDOW_MS: '600000' },
  }));
  let world: { projectId: string; appId: string; registered: RegisteredApp };
  let tenants = 0;
  // A key per test: each test starts with a bucket of its own.
  let key: string;

  beforeAll(async () => {
    const { project, registered, appId } = await aCredentialWorld(vault, t);
    world = { projectId: project.projectId, appId, registered };
  });

  afterEach(() => vi.restoreAllMocks());

  const laneAnswers = () => {
    const spy = vi.spyOn(vault.get(GetCredentialRoute), 'serveBeforeFastify');
    return () => spy.mock.results.map((result) => result.value as boolean);
  };

  async function aWarmRead(): Promise<string> {
    const tenantId = `org_lane_${++tenants}`;
    const { userId } = await aLiveConnection(
      vault,
      t,
      { projectId: world.projectId, appId: world.appId, tenantId },
      world.registered,
    );
    key = (await vault.get(ApiKeysService).create(world.projectId, { name: `lane ${tenants}` })).secretKey;
    const url = `${PATH}?tenantId=${tenantId}&userId=${userId}&credentialFor=user`;
    // The first read fills the served-credential cache (through Fastify: nothing is cached yet).
    await vault.api().get(url).set(bearer(key)).expect(200);
    return url;
  }

  it('answers a warm read with the status, body and headers Fastify would send', async () => {
    const url = await aWarmRead();
    const answered = laneAnswers();
    const viaLane = await vault.api().get(url).set(bearer(key)).expect(200);
    const viaFastify = await vault.app.inject({ method: 'GET', url, headers: bearer(key) });
    expect(answered()).toEqual([true]);
    expect(viaFastify.statusCode).toBe(200);
    expect(viaLane.text).toBe(viaFastify.body);
    const headers = (all: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(all).filter(([name]) => !TRANSPORT.has(name)));
    expect(headers(viaLane.headers)).toEqual(headers(viaFastify.headers));
    expect(viaLane.headers['cache-control']).toBe('no-store');
    expect(viaLane.headers['content-security-policy']).toMatch(/default-src 'none'/);
  });

  it('writes the request line and counts the request as Fastify does', async () => {
    const url = await aWarmRead();
    const answered = laneAnswers();
    const metrics = vault.get(MetricsService);
    const count = async () => {
      const text = (await metrics.render()).body;
      const line = text
        .split('\n')
        .find((l) =>
          l.startsWith(
            'authpipe_http_request_duration_seconds_count{method="GET",route="/v1/credentials/:provider",status_code="200"}',
          ),
        );
      return Number(line?.split(' ').at(-1));
    };
    const before = await count();
    const agent = { 'user-agent': 'lane-spec' };
    await vault.api().get(url).set(bearer(key)).set(agent).set('x-request-id', 'lane-read-1').expect(200);
    await vault.app.inject({
      method: 'GET',
      url,
      headers: { ...bearer(key), ...agent, 'x-request-id': 'fastify-read-1' },
    });
    expect(answered()).toEqual([true]);
    expect(await count()).toBe(before + 2);

    const line = (id: string) => {
      const record = vault.logs.records().find((r) => (r.req as { id?: string } | undefined)?.id === id);
      expect(record, `request line of ${id}`).toBeDefined();
      const { time: _time, responseTime, req, ...rest } = record!;
      expect(typeof responseTime).toBe('number');
      const { id: _id, headers, ...request } = req as Record<string, unknown>;
      const { 'x-request-id': _given, ...kept } = (headers ?? {}) as Record<string, unknown>;
      return { ...rest, req: { ...request, headers: kept } };
    };
    const lane = line('lane-read-1');
    const fastify = line('fastify-read-1');
    expect(lane).toEqual(fastify);
    expect(lane).toMatchObject({ msg: 'request completed', res: { statusCode: 200 } });
    // The key never reaches a log line.
    expect(JSON.stringify(vault.logs.lines)).not.toContain(key);
  });

  it("counts each read once against its key's limit, and the one past it is refused through Fastify", async () => {
    const url = await aWarmRead(); // one request counted
    const answered = laneAnswers();
    for (let n = 2; n <= PER_KEY; n++) await vault.api().get(url).set(bearer(key)).expect(200);
    const refused = await vault.api().get(url).set(bearer(key)).expect(429);
    expect(refused.body.error.code).toBe('rate_limited');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // The lane answered the reads within the limit and left the refusal to Fastify's hook.
    expect(answered()).toEqual([...Array<boolean>(PER_KEY - 1).fill(true), false]);
  });

  it('leaves to Fastify what it does not read plainly, which answers it the same', async () => {
    const url = await aWarmRead();
    const answered = laneAnswers();
    const plain = await vault.api().get(url).set(bearer(key)).expect(200);
    // The same query percent-encoded, with a repeated key, asking for a forced refresh's check,
    // or with no key: each through Fastify.
    const encoded = url.replace('credentialFor=user', 'credentialFor=%75ser');
    expect((await vault.api().get(encoded).set(bearer(key)).expect(200)).text).toBe(plain.text);
    expect((await vault.api().get(`${url}&tenantId=other`).set(bearer(key)).expect(400)).body.error.code).toBe(
      'invalid_request',
    );
    expect((await vault.api().get(`${url}&__proto__=x`).set(bearer(key)).expect(400)).body.error.code).toBe(
      'invalid_request',
    );
    expect((await vault.api().get(url).expect(401)).body.error.code).toBe('missing_api_key');
    expect(answered()).toEqual([true, false, false, false, false]);
  });

  it('reads a plain query in any order, and leaves any other shape of it to Fastify, which answers it', async () => {
    const url = await aWarmRead();
    const [path, query] = url.split('?');
    const [first, ...rest] = query.split('&');
    const answered = laneAnswers();
    const plain = await vault.api().get(url).set(bearer(key)).expect(200);
    const reordered = `${path}?${query.split('&').reverse().join('&')}&forceRefresh=false`;
    expect((await vault.api().get(reordered).set(bearer(key)).expect(200)).text).toBe(plain.text);
    expect(answered()).toEqual([true, true]);

    const shapes = {
      emptyPair: `${path}?${first}&&${rest.join('&')}`,
      trailingAmpersand: `${url}&`,
      pairWithoutValue: `${url}&flag`,
      equalsInValue: `${path}?${first}=x&${rest.join('&')}`,
      unknownKey: `${url}&extra=1`,
    };
    for (const [shape, shaped] of Object.entries(shapes)) {
      const before = answered().length;
      const viaHttp = await vault.api().get(shaped).set(bearer(key));
      const viaFastify = await vault.app.inject({ method: 'GET', url: shaped, headers: bearer(key) });
      expect(answered().slice(before), shape).toEqual([false]);
      expect([shape, viaHttp.status, viaHttp.body.error?.code]).toEqual([
        shape,
        viaFastify.statusCode,
        viaFastify.json<{ error?: { code: string } }>().error?.code,
      ]);
    }
  });

  it('leaves a read to Fastify when the lane itself fails, and says so in the log', async () => {
    const url = await aWarmRead();
    const answered = laneAnswers();
    // The lane's cache read throws once; Fastify's own read of the cache then works.
    vi.spyOn(vault.get(GetCredentialService), 'cachedIf').mockImplementationOnce(() => {
      throw new Error('lane fault for the spec');
    });
    const logged = vault.logs.lines.length;
    const res = await vault.api().get(url).set(bearer(key)).expect(200);
    expect(res.body.credentialFor).toBe('user');
    expect(answered()).toEqual([false]);
    const failures = vault.logs
      .records()
      .slice(logged)
      .filter((r) => r.msg === 'The warm getCredential lane failed; the request goes on through Fastify');
    expect(failures).toHaveLength(1);
    expect((failures[0].err as { message?: string }).message).toBe('lane fault for the spec');
  });

  it('lists the global Fastify hooks it was written against (a new one must be taught to the lane)', () => {
    const fastify = vault.app.getHttpAdapter().getInstance();
    const hooksSymbol = Object.getOwnPropertySymbols(fastify).find((s) => s.description === 'fastify.hooks')!;
    const hooks = Reflect.get(fastify, hooksSymbol) as Record<string, unknown[]>;
    const counts = Object.fromEntries(
      Object.entries(hooks)
        .filter(([name, list]) => REQUEST_HOOKS.has(name) && Array.isArray(list) && list.length > 0)
        .map(([name, list]) => [name, list.length]),
    );
    // If this changes, read GetCredentialRoute.serveBeforeFastify: what does the new hook do to a
    // warm read, and does the lane do the same (or step aside)? Then update the counts.
    // onRequest: Nest's adapter 6 (no-ops without CORS, versioning, its own security headers or
    // lifecycle hooks; its 503 only with return503OnClosing), middie 1, request guards, request
    // logging, rate limits. preValidation: the body's NUL check. onSend: security headers.
    // onResponse: Nest's adapter (a no-op), request logging, metrics, failed authentications.
    expect(counts).toEqual({ onRequest: 10, preValidation: 1, onSend: 1, onResponse: 4 });
  });
});
