import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { aProject, aTenantWithSecrets, bearer, type TestProject } from '@test/support/builders';
import { useTestVault } from '@test/support/test-vault';

// Secrets that must never appear in a log line or a response body, whatever path they take.
const masterKey = randomBytes(32).toString('base64');
const tokenCanary = `canary-token-${randomBytes(8).toString('hex')}`;

describe('secret canaries', () => {
  const vault = useTestVault({ env: { AUTHPIPE_MASTER_KEYS: `1:${masterKey}` } });
  let project: TestProject;
  const bodies: string[] = [];

  beforeAll(async () => {
    project = await aProject(vault, 'Canaries');
    await aTenantWithSecrets(vault, project.projectId, 'org_canary');
  });

  it('keeps the API key, master key and token-like fields out of logs and error bodies on every path', async () => {
    const revealingQuery = { code: tokenCanary, session: tokenCanary, state: tokenCanary };
    const responses = await Promise.all([
      vault.api().get('/v1/tenants').set(bearer(project.key)).query(revealingQuery),
      vault.api().get('/v1/tenants/org_canary').set(bearer(project.key)).set('Cookie', `s=${tokenCanary}`),
      vault.api().get('/v1/tenants/org_missing').set(bearer(project.key)).set('X-Api-Key', project.key),
      vault.api().get('/v1/tenants').set('Authorization', `Bearer ${tokenCanary}`),
      vault.api().get('/v1/tenants').set('Authorization', `Bearer ${project.key}x`),
      vault.api().post('/v1/tenants').set(bearer(project.key)).send({ token: tokenCanary, password: tokenCanary }),
      vault
        .api()
        .post('/v1/tenants')
        .set(bearer(project.key))
        .set('content-type', 'application/json')
        // Malformed JSON: the parser's error must not quote the body back.
        .send(`{"refresh_token": "${tokenCanary}"`),
      vault.api().get(`/oauth/callback?code=${tokenCanary}&state=${tokenCanary}`),
      vault.api().get('/readyz'),
      vault.api().get('/metrics'),
    ]);
    for (const res of responses) bodies.push(res.text);

    // The OAuth callback belongs to the connect feature: whatever it answers, it must not be a crash.
    const statuses = responses.map((r) => r.status);
    expect(statuses[7]).toBeLessThan(500);
    statuses[7] = 0;
    // Unknown query parameters are refused (400, naming the parameters, never their values); a wrong
    // method on a known path is a 405.
    expect(statuses).toEqual([400, 200, 404, 401, 401, 405, 400, 0, 200, 200]);
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
