import { describe, expect, it, vi } from 'vitest';
import { ctx, envelopeWithStore, K1, ring } from '../test/fixtures';
import { Envelope } from './envelope';
import { CryptoIntegrityError } from './errors';

describe(`${Envelope.name} decryptWithStoredKey`, () => {
  /** A ciphertext made by one envelope, to open with a second one whose cache is cold. */
  async function sealedElsewhere() {
    const { store, envelope } = envelopeWithStore();
    const ciphertext = await envelope.encrypt(ctx, 'token-set');
    const reader = new Envelope({ keyProvider: ring(K1), store });
    const stored = store.list()[0];
    return { store, reader, ciphertext, stored };
  }

  it('opens with the DEK row read alongside, without asking the store, and caches it', async () => {
    const { store, reader, ciphertext, stored } = await sealedElsewhere();
    const find = vi.spyOn(store, 'find');
    const opened = await reader.decryptWithStoredKey(ctx, ciphertext, stored);
    expect(opened.toString('utf8')).toBe('token-set');
    expect(find).not.toHaveBeenCalled();
    // Cached now: a plain decrypt needs no store either.
    expect((await reader.decrypt(ctx, ciphertext)).toString('utf8')).toBe('token-set');
    expect(find).not.toHaveBeenCalled();
  });

  it('asks the store when the row given is of another version, or missing', async () => {
    const { store, reader, ciphertext, stored } = await sealedElsewhere();
    const find = vi.spyOn(store, 'find');
    await reader.decryptWithStoredKey(ctx, ciphertext, { ...stored, version: stored.version + 1 });
    expect(find).toHaveBeenCalledTimes(1);
    const cold = new Envelope({ keyProvider: ring(K1), store });
    await cold.decryptWithStoredKey(ctx, ciphertext, null);
    expect(find).toHaveBeenCalledTimes(2);
  });

  it('refuses a wrapped key that was altered, or that belongs to another owner', async () => {
    const { reader, ciphertext, stored } = await sealedElsewhere();
    const altered = Buffer.from(stored.wrappedKey);
    altered[altered.length - 1] ^= 1;
    await expect(reader.decryptWithStoredKey(ctx, ciphertext, { ...stored, wrappedKey: altered })).rejects.toThrow(
      CryptoIntegrityError,
    );
    const { envelope: other, store: otherStore } = envelopeWithStore();
    await other.encrypt({ ...ctx, tenantId: 'org_other' }, 'x');
    const foreign = otherStore.list()[0];
    await expect(reader.decryptWithStoredKey(ctx, ciphertext, foreign)).rejects.toThrow(CryptoIntegrityError);
  });
});
