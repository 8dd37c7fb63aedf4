import { describe, expect, it, vi } from 'vitest';
import { ctx, ring } from '../test/fixtures';
import { InMemoryDataKeyStore } from './data-key-store';
import { Envelope } from './envelope';
import { readKeyVersion } from './format';

const TTL = 1000;

/** Two replicas over one store and one injected clock, with blocks far larger than the writes. */
function twoReplicas() {
  const clock = { now: 5_000_000 };
  const store = new InMemoryDataKeyStore();
  const replica = () =>
    new Envelope({
      keyProvider: ring(),
      store,
      cache: { maxEntries: 100, ttlMs: TTL },
      reserveBlock: 1024,
      clock: () => clock.now,
    });
  return { clock, store, a: replica(), b: replica() };
}

async function expectAllOpen(readers: Envelope[], sealed: Buffer[], plaintexts: string[]): Promise<void> {
  for (const reader of readers) {
    const opened = await Promise.all(sealed.map((s) => reader.decrypt(ctx, s).then((b) => b.toString())));
    expect(opened).toEqual(plaintexts);
  }
}

describe(Envelope.name, () => {
  describe('rotation by another replica', () => {
    it("moves this replica's writes to the new DEK version within one cache TTL, and every ciphertext opens", async () => {
      const { clock, a, b } = twoReplicas();
      const sealed: Buffer[] = [];
      const plaintexts: string[] = [];
      const write = async (text: string) => {
        sealed.push(await b.encrypt(ctx, text));
        plaintexts.push(text);
        return readKeyVersion(sealed.at(-1)!);
      };

      expect(await write('before rotation')).toBe(1);
      expect(await a.rotateDataKey(ctx)).toBe(2);
      clock.now += TTL - 1;
      // B may still spend its reserved block of version 1 inside the TTL...
      expect(await write('inside the ttl')).toBe(1);
      clock.now += 1;
      // ...but not a moment longer, although most of that block is left.
      expect(await write('after the ttl')).toBe(2);
      expect(await write('and after that')).toBe(2);

      await expectAllOpen([a, b], sealed, plaintexts);
    });

    it('re-reads the active version once for concurrent writes after the TTL', async () => {
      const { clock, store, a, b } = twoReplicas();
      await b.encrypt(ctx, 'warm');
      await a.rotateDataKey(ctx);
      clock.now += TTL;
      const findActive = vi.spyOn(store, 'findActive');
      const plaintexts = Array.from({ length: 50 }, (_, i) => `w${i}`);
      const sealed = await Promise.all(plaintexts.map((p) => b.encrypt(ctx, p)));
      expect(new Set(sealed.map(readKeyVersion))).toEqual(new Set([2]));
      expect(findActive).toHaveBeenCalledTimes(1);
      await expectAllOpen([a, b], sealed, plaintexts);
    });

    it('renews an expired block without a store write while its version is still active', async () => {
      const { clock, store, b } = twoReplicas();
      const reserveUses = vi.spyOn(store, 'reserveUses');
      const findActive = vi.spyOn(store, 'findActive');
      await b.encrypt(ctx, 'first');
      clock.now += TTL * 3;
      const second = await b.encrypt(ctx, 'second');
      expect(readKeyVersion(second)).toBe(1);
      expect(reserveUses).toHaveBeenCalledTimes(1);
      expect(findActive).toHaveBeenCalledTimes(2);
      expect((await store.findActive(ctx))!.useCount).toBe(1024n);
    });

    it('moves to the new version at once after forget(owner), without waiting for the TTL', async () => {
      const { a, b } = twoReplicas();
      const old = await b.encrypt(ctx, 'old');
      await a.rotateDataKey(ctx);
      b.forget(ctx);
      const fresh = await b.encrypt(ctx, 'fresh');
      expect(readKeyVersion(fresh)).toBe(2);
      await expectAllOpen([a, b], [old, fresh], ['old', 'fresh']);
    });

    it('never spends more than rotateAfterUses on a version when a block is renewed after the TTL', async () => {
      const clock = { now: 0 };
      const store = new InMemoryDataKeyStore();
      const envelope = new Envelope({
        keyProvider: ring(),
        store,
        cache: { ttlMs: TTL },
        reserveBlock: 8,
        rotateAfterUses: 20,
        clock: () => clock.now,
      });
      const versions: number[] = [];
      for (let i = 0; i < 50; i++) {
        versions.push(readKeyVersion(await envelope.encrypt(ctx, `t${i}`)));
        if (i % 3 === 0) clock.now += TTL;
      }
      const perVersion = new Map<number, number>();
      for (const v of versions) perVersion.set(v, (perVersion.get(v) ?? 0) + 1);
      expect([...perVersion.keys()]).toEqual([1, 2, 3]);
      for (const count of perVersion.values()) expect(count).toBeLessThanOrEqual(20);
    });
  });
});
