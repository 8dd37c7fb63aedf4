import { randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { ctx, K1, K2, ring as provider } from '../test/fixtures';
import { InMemoryDataKeyStore } from './data-key-store';
import { Envelope } from './envelope';
import { HEADER_LENGTH, readKeyVersion } from './format';

function countBy<T>(items: readonly T[]): Map<T, number> {
  const counts = new Map<T, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return counts;
}

describe(Envelope.name, () => {
  describe('use counting and rotation', () => {
    it('rotates the DEK by itself after rotateAfterUses encryptions and old ciphertexts still open', async () => {
      const store = new InMemoryDataKeyStore();
      const envelope = new Envelope({ keyProvider: provider(), store, rotateAfterUses: 1000 });
      const sealed: Buffer[] = [];
      for (let i = 0; i < 2500; i++) sealed.push(await envelope.encrypt(ctx, `token-${i}`));

      expect(countBy(sealed.map(readKeyVersion))).toEqual(
        new Map([
          [1, 1000],
          [2, 1000],
          [3, 500],
        ]),
      );
      expect(store.list().map((k) => `${k.version}:${k.status}`)).toEqual(['1:retired', '2:retired', '3:active']);
      const fresh = new Envelope({ keyProvider: provider(), store });
      for (let i = 0; i < sealed.length; i += 1) {
        expect((await fresh.decrypt(ctx, sealed[i])).toString()).toBe(`token-${i}`);
      }
    });

    it('never exceeds rotateAfterUses per DEK version across replicas sharing one store', async () => {
      const store = new InMemoryDataKeyStore();
      const replicas = Array.from(
        { length: 3 },
        () => new Envelope({ keyProvider: provider(), store, rotateAfterUses: 1000, reserveBlock: 64 }),
      );
      const sealed = await Promise.all(Array.from({ length: 3000 }, (_, i) => replicas[i % 3].encrypt(ctx, `t${i}`)));
      const perVersion = countBy(sealed.map(readKeyVersion));
      for (const count of perVersion.values()) expect(count).toBeLessThanOrEqual(1000);
      expect(perVersion.size).toBeGreaterThanOrEqual(3);
      for (const key of store.list()) expect(key.useCount).toBeGreaterThan(0n);
    });

    it('reserves uses from the store in blocks, not per encryption', async () => {
      const store = new InMemoryDataKeyStore();
      const reserve = vi.spyOn(store, 'reserveUses');
      const envelope = new Envelope({ keyProvider: provider(), store, reserveBlock: 100 });
      for (let i = 0; i < 250; i++) await envelope.encrypt(ctx, 'x');
      expect(reserve).toHaveBeenCalledTimes(3);
      expect((await store.findActive(ctx))!.useCount).toBe(300n);
    });
  });

  describe('first use', () => {
    it('creates exactly one DEK version for concurrent encrypts in one process', async () => {
      const store = new InMemoryDataKeyStore();
      const createNext = vi.spyOn(store, 'createNext');
      const envelope = new Envelope({ keyProvider: provider(), store, reserveBlock: 16 });
      const sealed = await Promise.all(Array.from({ length: 200 }, (_, i) => envelope.encrypt(ctx, `t${i}`)));
      expect(createNext).toHaveBeenCalledTimes(1);
      expect(store.list()).toHaveLength(1);
      expect(new Set(sealed.map(readKeyVersion))).toEqual(new Set([1]));
    });

    it('creates exactly one DEK version when several replicas race, and every replica reads every ciphertext', async () => {
      const store = new InMemoryDataKeyStore();
      const createNext = vi.spyOn(store, 'createNext');
      const replicas = Array.from({ length: 3 }, () => new Envelope({ keyProvider: provider(), store }));
      const sealed = await Promise.all(Array.from({ length: 30 }, (_, i) => replicas[i % 3].encrypt(ctx, `t${i}`)));
      expect(store.list()).toHaveLength(1);
      // The losers' inserts were refused and they adopted the winner's version.
      const results = await Promise.all(createNext.mock.results.map((r) => r.value as Promise<unknown>));
      expect(results).toHaveLength(3);
      expect(results.filter((r) => r === null)).toHaveLength(2);
      for (const replica of replicas) {
        for (let i = 0; i < sealed.length; i++)
          expect((await replica.decrypt(ctx, sealed[i])).toString()).toBe(`t${i}`);
      }
    });
  });

  describe('nonces', () => {
    it('never repeats a nonce in 1,000,000 encryptions under one DEK', async () => {
      const store = new InMemoryDataKeyStore();
      const envelope = new Envelope({ keyProvider: provider(), store, reserveBlock: 65_536 });
      const total = 1_000_000;
      const batch = 1000;
      const nonces = new Set<string>();
      const plaintext = Buffer.from('x');
      for (let done = 0; done < total; done += batch) {
        const sealed = await Promise.all(Array.from({ length: batch }, () => envelope.encrypt(ctx, plaintext)));
        for (const s of sealed) {
          if (s.readUInt32BE(1) !== 1) throw new Error('expected every encryption under DEK version 1');
          nonces.add(s.toString('latin1', HEADER_LENGTH, HEADER_LENGTH + 12));
        }
      }
      expect(nonces.size).toBe(total);
      expect(store.list()).toHaveLength(1);
    }, 60_000);
  });

  describe('cache', () => {
    it('drops and zeroes a DEK after its TTL, then reloads it from the store', async () => {
      let now = 1_000_000;
      const deks: Buffer[] = [];
      const random = (size: number) => {
        const bytes = randomBytes(size);
        if (size === 32) deks.push(bytes);
        return bytes;
      };
      const store = new InMemoryDataKeyStore();
      const envelope = new Envelope({
        keyProvider: provider(),
        store,
        cache: { maxEntries: 10, ttlMs: 1000 },
        clock: () => now,
        randomBytes: random,
      });
      const sealed = await envelope.encrypt(ctx, 'ttl');
      const find = vi.spyOn(store, 'find');

      now += 999;
      expect((await envelope.decrypt(ctx, sealed)).toString()).toBe('ttl');
      expect(find).not.toHaveBeenCalled();

      now += 2;
      expect((await envelope.decrypt(ctx, sealed)).toString()).toBe('ttl');
      expect(find).toHaveBeenCalledTimes(1);
      expect(deks[0].equals(Buffer.alloc(32))).toBe(true);
    });

    it('evicts the least recently used DEK beyond maxEntries and still decrypts it on demand', async () => {
      const store = new InMemoryDataKeyStore();
      const envelope = new Envelope({ keyProvider: provider(), store, cache: { maxEntries: 2, ttlMs: 60_000 } });
      const tenants = ['t1', 't2', 't3'];
      const sealed: Buffer[] = [];
      for (const tenantId of tenants) sealed.push(await envelope.encrypt({ ...ctx, tenantId }, tenantId));
      const find = vi.spyOn(store, 'find');
      for (let i = 0; i < tenants.length; i++) {
        expect((await envelope.decrypt({ ...ctx, tenantId: tenants[i] }, sealed[i])).toString()).toBe(tenants[i]);
      }
      // LRU order t1, t2, t3 with room for two: each read evicts the next one it will need.
      expect(find).toHaveBeenCalledTimes(3);
    });
  });

  describe('cache pressure', () => {
    it('never uses a DEK zeroed by eviction while a caller awaited it', async () => {
      const store = new InMemoryDataKeyStore();
      const writer = new Envelope({ keyProvider: provider(), store });
      const owners = ['t1', 't2', 't3'].map((tenantId) => ({ ...ctx, tenantId }));
      const sealed = await Promise.all(owners.map((o) => writer.encrypt(o, `secret-${o.tenantId}`)));
      // Room for one key while three owners load at once: each put evicts (and zeroes) a key that
      // other callers are still waiting for.
      const tiny = new Envelope({ keyProvider: provider(), store, cache: { maxEntries: 1, ttlMs: 60_000 } });
      const find = vi.spyOn(store, 'find');
      const reads = await Promise.all(
        Array.from({ length: 30 }, (_, i) => tiny.decrypt(owners[i % 3], sealed[i % 3]).then((b) => b.toString())),
      );
      expect(reads).toEqual(Array.from({ length: 30 }, (_, i) => `secret-${owners[i % 3].tenantId}`));
      expect(find.mock.calls.length).toBeGreaterThan(3);
      const writes = await Promise.all(Array.from({ length: 30 }, (_, i) => tiny.encrypt(owners[i % 3], `w${i}`)));
      for (let i = 0; i < writes.length; i++)
        expect((await writer.decrypt(owners[i % 3], writes[i])).toString()).toBe(`w${i}`);
    });
  });

  describe('master key rotation', () => {
    it('keeps reads and writes working while every DEK is rewrapped, then opens everything with only the new key', async () => {
      const store = new InMemoryDataKeyStore();
      const before = new Envelope({ keyProvider: provider(K1), store });
      const tenants = Array.from({ length: 20 }, (_, i) => `org_${i}`);
      const old = await Promise.all(tenants.map((tenantId) => before.encrypt({ ...ctx, tenantId }, `old-${tenantId}`)));

      const during = new Envelope({
        keyProvider: provider(`${K2},${K1}`),
        store,
        cache: { maxEntries: 4, ttlMs: 60_000 },
      });
      const rewrap = (async () => {
        for (const key of store.list()) {
          const wrapped = await during.rewrapDataKey(key);
          await store.updateWrapped(key.owner, key.version, readKeyVersion(wrapped), wrapped);
        }
      })();
      const traffic = Promise.all(
        tenants.flatMap((tenantId, i) => [
          during.decrypt({ ...ctx, tenantId }, old[i]).then((b) => b.toString()),
          during.encrypt({ ...ctx, tenantId, recordId: 'con_new' }, `new-${tenantId}`),
        ]),
      );
      const [, results] = await Promise.all([rewrap, traffic]);

      expect(results.filter((_, i) => i % 2 === 0)).toEqual(tenants.map((t) => `old-${t}`));
      expect(store.list().every((k) => k.masterKeyVersion === 2)).toBe(true);
      const after = new Envelope({ keyProvider: provider(K2), store });
      for (let i = 0; i < tenants.length; i++) {
        const tenantId = tenants[i];
        expect((await after.decrypt({ ...ctx, tenantId }, old[i])).toString()).toBe(`old-${tenantId}`);
        const fresh = results[i * 2 + 1] as Buffer;
        expect((await after.decrypt({ ...ctx, tenantId, recordId: 'con_new' }, fresh)).toString()).toBe(
          `new-${tenantId}`,
        );
      }
    });
  });
});
