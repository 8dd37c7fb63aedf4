import { describe, expect, it } from 'vitest';
import { CredentialCache, type CredentialKeyParts } from './credential-cache';

const entry = (credentialId: string) => ({ value: credentialId, expiresAtMs: 0, credentialId, revalidateAfterMs: 0 });
const user = (userId: string, tenantId = 't1'): CredentialKeyParts => ({
  provider: 'p',
  tenantId,
  credentialFor: 'user',
  userId,
});
const installation = (tenantId = 't1'): CredentialKeyParts => ({
  provider: 'p',
  tenantId,
  credentialFor: 'installation',
});
const read = (cache: CredentialCache<string>, parts: CredentialKeyParts) =>
  cache.get(parts.provider, parts.tenantId, parts.credentialFor, parts.userId)?.value;

describe(CredentialCache.name, () => {
  it('keeps the installation and every user of a tenant apart, and tenants apart', () => {
    const cache = new CredentialCache<string>(10);
    cache.set(installation(), entry('ins'), cache.epoch);
    cache.set(user('u1'), entry('c1'), cache.epoch);
    cache.set(user('u1', 't2'), entry('c2'), cache.epoch);
    expect(read(cache, installation())).toBe('ins');
    expect(read(cache, user('u1'))).toBe('c1');
    expect(read(cache, user('u1', 't2'))).toBe('c2');
    expect(read(cache, user('u2'))).toBeUndefined();
    expect(read(cache, installation('t2'))).toBeUndefined();
    // A user read without a user, or an installation read naming one, finds nothing.
    expect(cache.get('p', 't1', 'user', undefined)).toBeUndefined();
    expect(cache.get('p', 't1', 'installation', 'u1')).toBeUndefined();
  });

  it('drops an entry not read since the hand last passed when full', () => {
    const cache = new CredentialCache<string>(3);
    for (const id of ['a', 'b', 'c']) cache.set(user(id), entry(id), cache.epoch);
    read(cache, user('a'));
    cache.set(user('d'), entry('d'), cache.epoch);
    expect(cache.size).toBe(3);
    expect(read(cache, user('a'))).toBe('a');
    expect(read(cache, user('b'))).toBeUndefined();
  });

  it('drops every entry of a credential id and leaves no empty branch behind', () => {
    const cache = new CredentialCache<string>(10);
    cache.set(user('u1'), entry('same'), cache.epoch);
    cache.set(installation(), entry('other'), cache.epoch);
    expect(cache.deleteCredential('same')).toBe(1);
    expect(cache.delete(installation())).toBe(true);
    expect(cache.size).toBe(0);
    expect((cache as unknown as { index: Map<string, unknown> }).index.size).toBe(0);
  });

  it('refuses to store an answer fetched before an eviction', () => {
    const cache = new CredentialCache<string>(10);
    const epoch = cache.epoch;
    cache.delete(user('u1'));
    expect(cache.set(user('u1'), entry('late'), epoch)).toBe(false);
    expect(read(cache, user('u1'))).toBeUndefined();
  });
});
