import { afterEach, describe, expect, it } from 'vitest';
import { cryptoRandom } from '../common/random';
import { generateApiKey, hashApiKeySecret } from './api-key-format';
import { forgetPresented, presentedKey, rememberAuthenticated } from './presented-key';

const bearerOf = () => {
  const key = generateApiKey(cryptoRandom);
  return { key, authorization: `Bearer ${key.text}` };
};

describe(presentedKey.name, () => {
  afterEach(() => forgetPresented());

  it('parses and hashes a bearer key, and hashes whatever else is presented', () => {
    const { key, authorization } = bearerOf();
    const presented = presentedKey(authorization)!;
    expect(presented.parsed).toEqual({ publicId: key.publicId, secret: key.secret });
    expect(presented.digest.equals(hashApiKeySecret(key))).toBe(true);
    expect(presentedKey('Bearer not-a-key')).toMatchObject({ parsed: null, digest: expect.any(Buffer) });
    expect(presentedKey('Basic abc')).toBeNull();
    expect(presentedKey(undefined)).toBeNull();
  });

  it('answers from memory only for values that authenticated, until the key is forgotten', () => {
    const { key, authorization } = bearerOf();
    // Not remembered: worked out again on every call.
    expect(presentedKey(authorization)).not.toBe(presentedKey(authorization));
    const presented = presentedKey(authorization)!;
    rememberAuthenticated(authorization, presented);
    expect(presentedKey(authorization)).toBe(presented);
    // Another key's change leaves it; this key's drops it.
    forgetPresented(generateApiKey(cryptoRandom).publicId);
    expect(presentedKey(authorization)).toBe(presented);
    forgetPresented(key.publicId);
    expect(presentedKey(authorization)).not.toBe(presented);
    expect(presentedKey(authorization)).toEqual(presented);
  });

  it('keeps at most a thousand values, dropping the oldest first', () => {
    const values = Array.from({ length: 1001 }, () => bearerOf().authorization);
    const kept = values.map((authorization) => {
      const presented = presentedKey(authorization)!;
      rememberAuthenticated(authorization, presented);
      return presented;
    });
    expect(presentedKey(values[0])).not.toBe(kept[0]);
    expect(presentedKey(values[1])).toBe(kept[1]);
    expect(presentedKey(values[1000])).toBe(kept[1000]);
  });
});
