import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createProjectWithKey, seedTenant } from './support/fixtures';
import { startVault, type VaultHarness } from './support/vault-harness';

// Secrets that must never appear in a log line or a response body, whatever path they take.
const masterKey = randomBytes(32).toString('base64');
const tokenCanary = `canary-token-${randomBytes(8).toString('hex')}`;

describe('secret canaries', () => {
  let vault: VaultHarness;
  let project: { projectId: string; key: string };
  const bodies: string[] = [];

  beforeAll(async () => {
    vault = await startVault({ AUTHPIPE_MASTER_KEYS: `1:${masterKey}` });
    project = await createProjectWithKey(vault.app, 'Canaries');
    await seedTenant(vault.app, project.projectId, 'org_canary');
  });
  afterAll(async () => {
    await vault.close();
  });

  it('keeps the API key, master key and token-like fields out of logs and error bodies on every path', async () => {
    const server = vault.server();
    const revealingQuery = { code: tokenCanary, session: tokenCanary, state: tokenCanary };
    const responses = await Promise.all([
      request(server).get('/v1/tenants').set(bearer(project.key)).query(revealingQuery),
      request(server).get('/v1/tenants/org_canary').set(bearer(project.key)).set('Cookie', `s=${tokenCanary}`),
      request(server).get('/v1/tenants/org_missing').set(bearer(project.key)).set('X-Api-Key', project.key),
      request(server).get('/v1/tenants').set('Authorization', `Bearer ${tokenCanary}`),
      request(server).get('/v1/tenants').set('Authorization', `Bearer ${project.key}x`),
      request(server).post('/v1/tenants').set(bearer(project.key)).send({ token: tokenCanary, password: tokenCanary }),
      request(server)
        .post('/v1/tenants')
        .set(bearer(project.key))
        .set('content-type', 'application/json')
        // Malformed JSON: the parser's error must not quote the body back.
        .send(`{"refresh_token": "${tokenCanary}"`),
      request(server).get(`/oauth/callback?code=${tokenCanary}&state=${tokenCanary}`),
      request(server).get('/readyz'),
      request(server).get('/metrics'),
    ]);
    for (const res of responses) bodies.push(res.text);

    // The OAuth callback belongs to the connect feature: whatever it answers, it must not be a crash.
    const statuses = responses.map((r) => r.status);
    expect(statuses[7]).toBeLessThan(500);
    statuses[7] = 0;
    expect(statuses).toEqual([200, 200, 404, 401, 401, 404, 400, 0, 200, 200]);
    const logs = vault.logs.text();
    // Requests were logged (so the absence of canaries means something).
    expect(vault.logs.records().filter((r) => r.req !== undefined).length).toBeGreaterThanOrEqual(responses.length);
    for (const secret of [project.key, project.key.split('_')[3], masterKey, tokenCanary]) {
      expect(logs).not.toContain(secret);
      for (const body of bodies) expect(body).not.toContain(secret);
    }
    expect(logs).not.toMatch(/ap_sk_/);
  });
});
