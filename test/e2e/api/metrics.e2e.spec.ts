import { describe, expect, it } from 'vitest';
import { aProject, aTenantWithSecrets, bearer } from '@test/support/builders';
import { useTestVault } from '@test/support/test-vault';

describe('GET /metrics', () => {
  const vault = useTestVault();

  it('serves default and HTTP metrics labelled by route template, never by raw ids or tokens', async () => {
    const { projectId, key } = await aProject(vault, 'Metrics');
    await aTenantWithSecrets(vault, projectId, 'org_metrics_id');
    await vault.api().get('/v1/tenants/org_metrics_id').set(bearer(key)).expect(200);
    await vault.api().get('/v1/tenants/org_absent_id').set(bearer(key)).expect(404);
    await vault.api().get('/unknown/tok_abcdef?code=zzz').expect(404);

    const res = await vault.api().get('/metrics').expect(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.text).toContain('authpipe_process_cpu_user_seconds_total');
    expect(res.text).toMatch(
      /authpipe_http_request_duration_seconds_count\{method="GET",route="\/v1\/tenants\/:tenantId",status_code="200"\} 1/,
    );
    expect(res.text).toMatch(/route="\/v1\/tenants\/:tenantId",status_code="404"\} 1/);
    expect(res.text).toMatch(/route="unmatched",status_code="404"\} 1/);
    for (const raw of ['org_metrics_id', 'org_absent_id', 'tok_abcdef', 'zzz', projectId, key]) {
      expect(res.text).not.toContain(raw);
    }
  });
});
