import { randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { ctx, envelopeWithStore as setup, K1, K2, ring } from '../test/fixtures';
import { InMemoryDataKeyStore } from './data-key-store';
import { Envelope } from './envelope';
import { CryptoContextError, CryptoIntegrityError } from './errors';
import { CIPHERTEXT_OVERHEAD, HEADER_LENGTH, readKeyVersion } from './format';

async function integrityFailure(promise: Promise<unknown>): Promise<CryptoIntegrityError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CryptoIntegrityError);
  return error as CryptoIntegrityError;
}

describe(Envelope.name, () => {
  describe('encrypt', () => {
    it('round-trips strings and buffers, creating version 1 of the owner DEK on first use', async () => {
      const { store, envelope } = setup();
      const a = await envelope.encrypt(ctx, 'token-ü');
      const b = await envelope.encrypt(ctx, Buffer.from([0, 1, 2]));
      expect((await envelope.decrypt(ctx, a)).toString('utf8')).toBe('token-ü');
      expect([...(await envelope.decrypt(ctx, b))]).toEqual([0, 1, 2]);
      expect(readKeyVersion(a)).toBe(1);
      expect(store.list().map((k) => [k.owner, k.version, k.status])).toEqual([
        [{ projectId: 'prj_1', tenantId: 'org_acme' }, 1, 'active'],
      ]);
    });

    it('keeps one DEK per tenant and one for the project (tenantId null)', async () => {
      const { store, envelope } = setup();
      await envelope.encrypt(ctx, 'a');
      await envelope.encrypt({ ...ctx, tenantId: 'org_other' }, 'b');
      await envelope.encrypt({ ...ctx, tenantId: null, recordType: 'app', field: 'clientSecret' }, 'c');
      expect(
        store
          .list()
          .map((k) => k.owner.tenantId)
          .sort(),
      ).toEqual(['org_acme', 'org_other', null].sort());
    });

    it('falls back to the default cache bounds for options left undefined', async () => {
      const { envelope } = setup({ cache: { maxEntries: undefined, ttlMs: undefined } });
      const sealed = await envelope.encrypt(ctx, 'defaults');
      expect((await envelope.decrypt(ctx, sealed)).toString()).toBe('defaults');
    });

    it('refuses nonsensical options at construction', () => {
      expect(() => setup({ rotateAfterUses: 0 })).toThrow();
      expect(() => setup({ rotateAfterUses: 2 ** 32 + 1 })).toThrow();
      expect(() => setup({ reserveBlock: 1.5 })).toThrow();
      expect(() => setup({ cache: { maxEntries: 0 } })).toThrow();
    });

    it('rejects an invalid context before touching the store', async () => {
      const { store, envelope } = setup();
      await expect(envelope.encrypt({ ...ctx, field: '' }, 'x')).rejects.toThrow(CryptoContextError);
      expect(store.list()).toHaveLength(0);
    });
  });

  describe('decrypt', () => {
    it.each([
      ['another tenant', { tenantId: 'org_other' }],
      ['the project key', { tenantId: null }],
      ['another project', { projectId: 'prj_2' }],
      ['another row', { recordId: 'con_2' }],
      ['another record type', { recordType: 'installation' }],
      ['another field', { field: 'accessToken' }],
    ] as const)('refuses a ciphertext copied to %s', async (_where, change) => {
      const { envelope } = setup();
      await envelope.encrypt({ ...ctx, ...change }, 'warm the other owner key');
      const sealed = await envelope.encrypt(ctx, 'secret');
      await integrityFailure(envelope.decrypt({ ...ctx, ...change }, sealed));
    });

    it.each([
      ['format version byte', 0],
      ['key version bytes', 4],
      ['nonce', HEADER_LENGTH + 3],
      ['tag', HEADER_LENGTH + 12 + 5],
      ['body', CIPHERTEXT_OVERHEAD + 1],
    ])('refuses a flipped bit in the %s', async (_region, byte) => {
      const { envelope } = setup();
      const sealed = await envelope.encrypt(ctx, 'secret value');
      for (let bit = 0; bit < 8; bit++) {
        const tampered = Buffer.from(sealed);
        tampered[byte] ^= 1 << bit;
        await integrityFailure(envelope.decrypt(ctx, tampered));
      }
      expect((await envelope.decrypt(ctx, sealed)).toString()).toBe('secret value');
    });

    it('accepts a plain Uint8Array, as Prisma returns Bytes columns, including a view at an offset', async () => {
      const { envelope } = setup();
      const sealed = await envelope.encrypt(ctx, 'from the database');
      const padded = new Uint8Array(sealed.length + 7);
      padded.set(sealed, 7);
      expect((await envelope.decrypt(ctx, new Uint8Array(sealed))).toString()).toBe('from the database');
      expect((await envelope.decrypt(ctx, padded.subarray(7))).toString()).toBe('from the database');
    });

    it('rejects an empty tenant id instead of reading it as the project key', async () => {
      const { envelope } = setup();
      const sealed = await envelope.encrypt({ ...ctx, tenantId: null }, 'project secret');
      await expect(envelope.decrypt({ ...ctx, tenantId: '' }, sealed)).rejects.toThrow(CryptoContextError);
    });

    it('refuses truncated input as malformed', async () => {
      const { envelope } = setup();
      const sealed = await envelope.encrypt(ctx, 'x');
      const error = await integrityFailure(envelope.decrypt(ctx, sealed.subarray(0, 20)));
      expect(error.reason).toBe('malformed');
    });

    it('reports an unknown master key version when the DEK was wrapped by a key no longer configured', async () => {
      const store = new InMemoryDataKeyStore();
      const sealed = await new Envelope({ keyProvider: ring(K1), store }).encrypt(ctx, 'x');
      const later = new Envelope({ keyProvider: ring(K2), store });
      const error = await integrityFailure(later.decrypt(ctx, sealed));
      expect(error.reason).toBe('unknown_master_key_version');
    });

    it('fails authentication under a wrong master key of the same version', async () => {
      const store = new InMemoryDataKeyStore();
      const sealed = await new Envelope({ keyProvider: ring(K1), store }).encrypt(ctx, 'x');
      const impostor = new Envelope({ keyProvider: ring(`1:${Buffer.alloc(32, 9).toString('base64')}`), store });
      const error = await integrityFailure(impostor.decrypt(ctx, sealed));
      expect(error.reason).toBe('authentication_failed');
    });

    it('does no store or key-provider call when the DEK is cached', async () => {
      const keyProvider = ring(K1);
      const { store, envelope } = setup({ keyProvider });
      const sealed = await envelope.encrypt(ctx, 'hot');
      const calls = [
        vi.spyOn(store, 'find'),
        vi.spyOn(store, 'findActive'),
        vi.spyOn(store, 'reserveUses'),
        vi.spyOn(store, 'createNext'),
        vi.spyOn(keyProvider, 'unwrap'),
      ];
      for (let i = 0; i < 100; i++) expect((await envelope.decrypt(ctx, sealed)).toString()).toBe('hot');
      for (const spy of calls) expect(spy).not.toHaveBeenCalled();
    });

    it('loads and unwraps a DEK once for concurrent cold reads', async () => {
      const store = new InMemoryDataKeyStore();
      const sealed = await new Envelope({ keyProvider: ring(K1), store }).encrypt(ctx, 'cold');
      const fresh = new Envelope({ keyProvider: ring(K1), store });
      const find = vi.spyOn(store, 'find');
      const out = await Promise.all(Array.from({ length: 50 }, () => fresh.decrypt(ctx, sealed)));
      expect(out.every((b) => b.toString() === 'cold')).toBe(true);
      expect(find).toHaveBeenCalledTimes(1);
    });
  });

  describe('forget', () => {
    it('makes a shredded tenant unreadable while other tenants keep working', async () => {
      const { store, envelope } = setup();
      const other = { ...ctx, tenantId: 'org_other' };
      const mine = await envelope.encrypt(ctx, 'mine');
      const theirs = await envelope.encrypt(other, 'theirs');
      await store.destroy(ctx);
      envelope.forget(ctx);
      const error = await integrityFailure(envelope.decrypt(ctx, mine));
      expect(error.reason).toBe('data_key_missing');
      expect((await envelope.decrypt(other, theirs)).toString()).toBe('theirs');
    });

    it('does not resurrect a key whose load raced a shred: the read fails', async () => {
      const { store, envelope } = setup();
      const sealed = await envelope.encrypt(ctx, 'shredded soon');
      const reader = new Envelope({ keyProvider: ring(K1), store });
      const pending = reader.decrypt(ctx, sealed);
      await store.destroy(ctx);
      reader.forget(ctx);
      const error = await integrityFailure(pending);
      expect(error.reason).toBe('data_key_missing');
    });
  });

  describe('rotateDataKey', () => {
    it('makes new encryptions use the next version while old ciphertexts still open', async () => {
      const { store, envelope } = setup();
      const before = await envelope.encrypt(ctx, 'before');
      expect(await envelope.rotateDataKey(ctx)).toBe(2);
      const after = await envelope.encrypt(ctx, 'after');
      expect(readKeyVersion(after)).toBe(2);
      expect((await envelope.decrypt(ctx, before)).toString()).toBe('before');
      expect(store.list().map((k) => `${k.version}:${k.status}`)).toEqual(['1:retired', '2:active']);
    });
  });

  describe('rewrapDataKey', () => {
    it('rewraps a DEK under the current master key so the old master key can be dropped', async () => {
      const store = new InMemoryDataKeyStore();
      const sealed = await new Envelope({ keyProvider: ring(K1), store }).encrypt(ctx, 'survives');
      const rotating = new Envelope({ keyProvider: ring(`${K2},${K1}`), store });
      for (const key of store.list()) {
        const wrapped = await rotating.rewrapDataKey(key);
        expect(readKeyVersion(wrapped)).toBe(2);
        await store.updateWrapped(key.owner, key.version, 2, wrapped);
      }
      const onlyNew = new Envelope({ keyProvider: ring(K2), store });
      expect((await onlyNew.decrypt(ctx, sealed)).toString()).toBe('survives');
    });
  });

  describe('errors', () => {
    it('never carry plaintext, DEK or master key bytes', async () => {
      const canary = 'CANARY-token-5f0c2d9e';
      const deks: Buffer[] = [];
      const random = (size: number) => {
        const bytes = randomBytes(size);
        if (size === 32) deks.push(Buffer.from(bytes));
        return bytes;
      };
      const { store, envelope } = setup({ randomBytes: random });
      const sealed = await envelope.encrypt(ctx, canary);
      const failures: unknown[] = [];
      const attempts = [
        envelope.decrypt({ ...ctx, recordId: 'con_9' }, sealed),
        envelope.decrypt(ctx, Buffer.concat([sealed.subarray(0, -1), Buffer.from([sealed.at(-1)! ^ 1])])),
        envelope.decrypt(ctx, sealed.subarray(0, 10)),
        new Envelope({ keyProvider: ring(K2), store }).decrypt(ctx, sealed),
      ];
      for (const attempt of attempts) failures.push(await attempt.catch((e: unknown) => e));
      const secrets = [canary, ...deks.flatMap((d) => [d.toString('hex'), d.toString('base64')]), K1.slice(2)];
      for (const failure of failures) {
        expect(failure).toBeInstanceOf(CryptoIntegrityError);
        const error = failure as Error;
        const text = [
          error.message,
          String(error),
          JSON.stringify(error),
          String(error.stack),
          String(error.cause),
        ].join('\n');
        for (const secret of secrets) expect(text).not.toContain(secret);
        expect(error.message).toContain('con_');
      }
      expect(deks).toHaveLength(1);
    });
  });
});
