// Attack family: flooding. An outsider sends hundreds of requests with bad keys, or to the routes
// anyone can reach without a key (/connect, the OAuth callbacks, /admin), to guess keys, to make
// the vault query its database for every unknown key id, or to exhaust it. Every limit is per
// replica, in memory (README, "Rate limits").
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Response } from 'supertest';
import { generateApiKey } from '../../apps/vault/src/api-keys/api-key-format';
import { ApiKeysRepository } from '../../apps/vault/src/api-keys/api-keys.repository';
import { cryptoRandom } from '../../apps/vault/src/common/random';
import { aProject, bearer, type TestProject } from '@test/support/builders';
import { createTestVault, useTestVault, type TestVault } from '@test/support/test-vault';

const LIMITS = {
  AUTHPIPE_RATE_LIMIT_PER_IP: '50',
  AUTHPIPE_RATE_LIMIT_UNAUTHENTICATED: '20',
  AUTHPIPE_RATE_LIMIT_PER_KEY: '40',
  AUTHPIPE_RATE_LIMIT_AUTH_FAILURES: '30',
  // The suite's requests come from 127.0.0.1; X-Forwarded-For then names a client per scenario.
  AUTHPIPE_TRUST_PROXY: '127.0.0.1',
};

/** One client address per scenario, so the scenarios' counters stay apart. */
let clients = 0;
const aClient = () => `203.0.113.${++clients}`;

/** Sends `count` requests one after another (as one client would) and tallies the statuses. */
async function flood(
  count: number,
  send: () => Promise<Response>,
): Promise<{ statuses: Map<number, number>; last: Response }> {
  const statuses = new Map<number, number>();
  let last: Response | undefined;
  for (let i = 0; i < count; i++) {
    last = await send();
    statuses.set(last.status, (statuses.get(last.status) ?? 0) + 1);
  }
  return { statuses, last: last! };
}

function expectRateLimited(res: Response, scope: string): void {
  expect(res.status).toBe(429);
  expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
  expect(res.body).toEqual({
    error: {
      code: 'rate_limited',
      message: expect.stringMatching(/^Too many .+; retry in \d+ s\.$/),
      remediation: expect.any(String),
      details: { scope, limit: expect.any(Number), retryAfterSeconds: Number(res.headers['retry-after']) },
    },
  });
}

describe('flooding: request limits per address and per key', () => {
  const vault = useTestVault({ env: LIMITS });
  let project: TestProject;

  beforeAll(async () => {
    project = await aProject(vault);
  });

  it('stops serving 300 requests with a bad key after the failed-authentication limit, and reads the database once', async () => {
    const lookups = vi.spyOn(vault.get(ApiKeysRepository), 'findForAuthentication');
    const client = aClient();
    const badKey = generateApiKey(cryptoRandom).text;
    const { statuses, last } = await flood(300, () =>
      vault.api().get('/v1/tenants').set(bearer(badKey)).set('x-forwarded-for', client),
    );
    expect(statuses.get(401)).toBe(30);
    expect(statuses.get(429)).toBe(270);
    expectRateLimited(last, 'failed_authentications');
    // The unknown key id was looked up once; every later 401 came from memory, every 429 before any lookup.
    expect(lookups).toHaveBeenCalledTimes(1);
    lookups.mockRestore();

    // The limit is the address's, not the project's: the real key from elsewhere still works.
    await vault.api().get('/v1/tenants').set(bearer(project.key)).set('x-forwarded-for', aClient()).expect(200);
  });

  it.each([
    ['the connect page', '/connect/microsoft-onedrive?session=cs_unknown'],
    ['the OAuth callback', '/oauth/callback?code=x&state=y'],
    ['the admin-consent callback', '/oauth/admin-consent/callback?admin_consent=True&tenant=t&state=y'],
    ['the admin API', '/admin/v1/projects'],
  ])('serves at most the stricter unauthenticated limit of 300 requests to %s', async (_name, url) => {
    const client = aClient();
    const { statuses, last } = await flood(300, () => vault.api().get(url).set('x-forwarded-for', client));
    expect(statuses.get(429)).toBe(280);
    expectRateLimited(last, 'address');
  });

  it('limits each API key, not the address its backend sends from', async () => {
    const busy = await aProject(vault, 'A busy project');
    const client = aClient();
    const { statuses, last } = await flood(45, () =>
      vault.api().get('/v1/tenants').set(bearer(busy.key)).set('x-forwarded-for', client),
    );
    expect(statuses.get(200)).toBe(40);
    expect(statuses.get(429)).toBe(5);
    expectRateLimited(last, 'api_key');
    const other = await aProject(vault, 'Another project');
    await vault.api().get('/v1/tenants').set(bearer(other.key)).set('x-forwarded-for', client).expect(200);
  });

  it('limits other routes per address', async () => {
    const client = aClient();
    const { statuses, last } = await flood(60, () => vault.api().get('/healthz').set('x-forwarded-for', client));
    expect(statuses.get(200)).toBe(50);
    expectRateLimited(last, 'address');
  });
});

describe('flooding: X-Forwarded-For from an untrusted peer', () => {
  let vault: TestVault;
  beforeAll(async () => {
    const { AUTHPIPE_TRUST_PROXY: _trusted, ...untrusted } = LIMITS;
    vault = await createTestVault({ env: untrusted });
  });
  afterAll(async () => {
    await vault?.close();
  });

  it('is ignored: a client cannot dodge the limit by naming another address in each request', async () => {
    const { statuses } = await flood(30, () =>
      vault.api().get('/connect/microsoft-onedrive?session=cs_unknown').set('x-forwarded-for', aClient()),
    );
    expect(statuses.get(429)).toBe(10);
  });
});
