import { describe, expect, it } from 'vitest';
import { CryptoContextError, CryptoFormatError, CryptoIntegrityError } from './errors';
import {
  CIPHERTEXT_OVERHEAD,
  FORMAT_VERSION,
  HEADER_LENGTH,
  openVersioned,
  parseCiphertext,
  openWithHeaderRoom,
  readKeyVersion,
  sealVersioned,
  sealWithHeaderRoom,
} from './format';

const key = Buffer.alloc(32, 0x42);
const aad = Buffer.from('context');
const plaintext = Buffer.from('a refresh token of thirty-two b!');

function flipped(bytes: Buffer, bit: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[bit >> 3] ^= 1 << (bit & 7);
  return copy;
}

const REGIONS = [
  { name: 'format version byte', start: 0, end: 1 },
  { name: 'key version bytes', start: 1, end: HEADER_LENGTH },
  { name: 'nonce', start: HEADER_LENGTH, end: HEADER_LENGTH + 12 },
  { name: 'tag', start: HEADER_LENGTH + 12, end: CIPHERTEXT_OVERHEAD },
  { name: 'body', start: CIPHERTEXT_OVERHEAD, end: CIPHERTEXT_OVERHEAD + plaintext.length },
] as const;

describe(sealVersioned.name, () => {
  it('lays out format version, big-endian key version, nonce, tag and body', () => {
    const sealed = sealVersioned(key, 0x01020304, plaintext, aad);
    expect(sealed).toHaveLength(CIPHERTEXT_OVERHEAD + plaintext.length);
    expect(sealed[0]).toBe(FORMAT_VERSION);
    expect([...sealed.subarray(1, 5)]).toEqual([1, 2, 3, 4]);
    const parsed = parseCiphertext(sealed);
    expect(parsed.keyVersion).toBe(0x01020304);
    expect(parsed.body).toHaveLength(plaintext.length);
    expect(openVersioned(key, sealed, aad).equals(plaintext)).toBe(true);
  });

  it('uses a fresh nonce each time, so equal plaintexts give different ciphertexts', () => {
    const a = parseCiphertext(sealVersioned(key, 1, plaintext, aad));
    const b = parseCiphertext(sealVersioned(key, 1, plaintext, aad));
    expect(a.nonce.equals(b.nonce)).toBe(false);
    expect(a.body.equals(b.body)).toBe(false);
  });

  it('refuses key versions that the u32 field cannot carry or that are never issued', () => {
    expect(() => sealVersioned(key, 0, plaintext, aad)).toThrow(CryptoContextError);
    expect(() => sealVersioned(key, 2 ** 32, plaintext, aad)).toThrow(CryptoContextError);
    expect(() => sealVersioned(key, 1.5, plaintext, aad)).toThrow(CryptoContextError);
  });
});

describe(openVersioned.name, () => {
  const sealed = sealVersioned(key, 7, plaintext, aad);

  it.each(REGIONS)('rejects every single flipped bit in the $name', ({ start, end }) => {
    let rejected = 0;
    for (let bit = start * 8; bit < end * 8; bit++) {
      const tampered = flipped(sealed, bit);
      let error: unknown;
      try {
        openVersioned(key, tampered, aad);
      } catch (caught) {
        error = caught;
      }
      expect(error instanceof CryptoIntegrityError || error instanceof CryptoFormatError).toBe(true);
      rejected++;
    }
    expect(rejected).toBe((end - start) * 8);
  });

  it('rejects a changed key version even when the same key is used (the header is authenticated)', () => {
    const other = Buffer.from(sealed);
    other.writeUInt32BE(8, 1);
    expect(() => openVersioned(key, other, aad)).toThrow(CryptoIntegrityError);
  });

  it('rejects other associated data', () => {
    expect(() => openVersioned(key, sealed, Buffer.from('contexu'))).toThrow(CryptoIntegrityError);
  });
});

describe(parseCiphertext.name, () => {
  it('rejects input shorter than the header, nonce and tag', () => {
    const sealed = sealVersioned(key, 1, Buffer.alloc(0), aad);
    expect(parseCiphertext(sealed).body).toHaveLength(0);
    expect(() => parseCiphertext(sealed.subarray(0, CIPHERTEXT_OVERHEAD - 1))).toThrow(CryptoFormatError);
    expect(() => parseCiphertext(Buffer.alloc(0))).toThrow(/shorter than the 33-byte minimum/);
  });

  it('rejects an unknown format version', () => {
    const sealed = sealVersioned(key, 1, plaintext, aad);
    sealed[0] = 2;
    expect(() => parseCiphertext(sealed)).toThrow('Unknown ciphertext format version 2');
  });

  it('rejects key version 0', () => {
    const sealed = sealVersioned(key, 1, plaintext, aad);
    sealed.writeUInt32BE(0, 1);
    expect(() => readKeyVersion(sealed)).toThrow(CryptoFormatError);
  });

  it('returns views into the input rather than copies', () => {
    const sealed = sealVersioned(key, 1, plaintext, aad);
    expect(parseCiphertext(sealed).body.buffer).toBe(sealed.buffer);
  });
});

describe(sealWithHeaderRoom.name, () => {
  it('produces the same bytes as sealVersioned for the same nonce, and each opens the other', () => {
    const fixedNonce = (target: Buffer, offset: number) => void Buffer.alloc(12, 0xab).copy(target, offset);
    const room = Buffer.concat([Buffer.alloc(HEADER_LENGTH), aad]);
    const fast = sealWithHeaderRoom(key, 9, plaintext, room, fixedNonce);
    const plain = sealVersioned(key, 9, plaintext, aad, fixedNonce);
    expect(fast.equals(plain)).toBe(true);
    expect(openVersioned(key, fast, aad).equals(plaintext)).toBe(true);
    expect(openWithHeaderRoom(key, plain, Buffer.concat([Buffer.alloc(HEADER_LENGTH), aad])).equals(plaintext)).toBe(
      true,
    );
  });
});
