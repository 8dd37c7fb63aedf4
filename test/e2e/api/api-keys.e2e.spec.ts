import { describe, expect, it } from 'vitest';
import { formatApiKey, generateApiKey } from '../../../apps/vault/src/api-keys/api-key-format';
import { ApiKeysService } from '../../../apps/vault/src/api-keys/api-keys.service';
import { cryptoRandom } from '../../../apps/vault/src/common/random';
import { aProject, bearer } from '@test/support/builders';
import { useTestVault } from '@test/support/test-vault';

describe('API key authentication of /v1', () => {
  const vault = useTestVault();

  it('shows a created key once, lists it without its secret, and refuses it once revoked', async () => {
    const { projectId, key, keyId } = await aProject(vault, 'Lifecycle');
    expect(key).toMatch(/^ap_sk_/);
    await vault.api().get('/v1/tenants').set(bearer(key)).expect(200);

    const listed = await vault.get(ApiKeysService).list(projectId);
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ id: keyId, lastFour: key.slice(-4), revokedAt: null });
    expect(JSON.stringify(listed)).not.toContain(key.split('_')[3]);
    expect(listed[0]).not.toHaveProperty('secretKey');

    // The database holds a hash, never the key text or its secret part.
    const rows = await vault.db.query<Record<string, unknown>>('SELECT * FROM api_keys');
    expect(JSON.stringify(rows)).not.toContain(key.split('_')[3]);

    await vault.get(ApiKeysService).revoke(projectId, keyId);
    const res = await vault.api().get('/v1/tenants').set(bearer(key)).expect(401);
    expect(res.body.error.code).toBe('revoked_api_key');
  });

  it('answers missing_api_key when no key is sent', async () => {
    const res = await vault.api().get('/v1/tenants').expect(401);
    expect(res.body.error.code).toBe('missing_api_key');
  });

  it('gives malformed, bad-checksum, unknown and wrong-secret keys the very same 401 body', async () => {
    const { key } = await aProject(vault, 'Identical');
    const [prefix, sk, publicId, secret, sum] = key.split('_') as [string, string, string, string, string];
    // Same public id, another secret, a valid checksum: only the hash comparison can refuse it.
    const forged = formatApiKey({ publicId, secret: generateApiKey(cryptoRandom).secret });
    const candidates = [
      'not-a-key',
      `Basic ${key}`,
      `${prefix}_${sk}_${publicId}_${secret}_${sum === 'AAAAAA' ? 'AAAAAB' : 'AAAAAA'}`,
      generateApiKey(cryptoRandom).text,
      forged,
    ];
    const bodies = [];
    for (const candidate of candidates) {
      const header = candidate.startsWith('Basic ') ? candidate : `Bearer ${candidate}`;
      const res = await vault.api().get('/v1/tenants').set('Authorization', header).expect(401);
      bodies.push(res.body);
    }
    expect(bodies[0].error.code).toBe('invalid_api_key');
    for (const body of bodies) expect(body).toEqual(bodies[0]);
  });

  it('records when a key was last used', async () => {
    const { projectId, key, keyId } = await aProject(vault, 'Last used');
    await vault.api().get('/v1/tenants').set(bearer(key)).expect(200);
    await expect
      .poll(async () => (await vault.get(ApiKeysService).list(projectId)).find((k) => k.id === keyId)?.lastUsedAt)
      .not.toBeNull();
  });
});
