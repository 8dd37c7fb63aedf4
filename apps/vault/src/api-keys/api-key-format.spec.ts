import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  API_KEY_PREFIX,
  apiKeyMatches,
  generateApiKey,
  hashApiKeySecret,
  lastFourOf,
  parseApiKey,
} from './api-key-format';
import { cryptoRandom } from '../common/random';

describe('api key format', () => {
  describe(generateApiKey.name, () => {
    it('makes keys with the scanner prefix, a public id, a secret and a checksum that parse back', () => {
      const key = generateApiKey(cryptoRandom);
      expect(key.text).toMatch(/^ap_sk_[0-9A-Za-z]{12}_[0-9A-Za-z]{40}_[0-9A-Za-z]{6}$/);
      expect(key.text.startsWith(API_KEY_PREFIX)).toBe(true);
      expect(parseApiKey(key.text)).toEqual({ publicId: key.publicId, secret: key.secret });
    });

    it('never repeats a key over many draws', () => {
      const seen = new Set(Array.from({ length: 2000 }, () => generateApiKey(cryptoRandom).text));
      expect(seen.size).toBe(2000);
    });
  });

  describe(parseApiKey.name, () => {
    it('rejects a key with one character of its secret changed (checksum mismatch)', () => {
      const { text } = generateApiKey(cryptoRandom);
      const i = API_KEY_PREFIX.length + 13 + 5;
      const flipped = text.slice(0, i) + (text[i] === 'a' ? 'b' : 'a') + text.slice(i + 1);
      expect(parseApiKey(flipped)).toBeNull();
    });

    it.each([
      ['empty', ''],
      ['wrong prefix', 'xx_sk_AAAAAAAAAAAA_' + 'a'.repeat(40) + '_AAAAAA'],
      ['short secret', 'ap_sk_AAAAAAAAAAAA_abc_AAAAAA'],
      ['extra part', `${generateApiKey(cryptoRandom).text}_x`],
      ['non-base62 characters', 'ap_sk_AAAAAAAAAAA-_' + 'a'.repeat(40) + '_AAAAAA'],
    ])('rejects a malformed key (%s)', (_name, text) => {
      expect(parseApiKey(text)).toBeNull();
    });
  });

  describe(hashApiKeySecret.name, () => {
    it('is SHA-256 over the public id, a NUL byte and the secret, the form every stored key has', () => {
      // Worked out here step by step: a change of the stored form would lock every existing key out.
      const key = { publicId: 'AbCdEf012345', secret: 'x'.repeat(40) };
      const expected = createHash('sha256')
        .update('AbCdEf012345')
        .update(Buffer.from([0]))
        .update(key.secret)
        .digest();
      expect(hashApiKeySecret(key).equals(expected)).toBe(true);
      expect(hashApiKeySecret({ ...key, publicId: 'AbCdEf012346' }).equals(expected)).toBe(false);
    });
  });

  describe(apiKeyMatches.name, () => {
    it('accepts the stored hash of the same key and refuses another key with the same public id', () => {
      const key = generateApiKey(cryptoRandom);
      const stored = hashApiKeySecret(key);
      expect(apiKeyMatches(key, stored)).toBe(true);
      expect(apiKeyMatches({ publicId: key.publicId, secret: 'b'.repeat(40) }, stored)).toBe(false);
      expect(apiKeyMatches(key, stored.subarray(0, 16))).toBe(false);
    });
  });

  it('shows the last four characters only', () => {
    expect(lastFourOf('ap_sk_x_y_ABCDEF')).toBe('CDEF');
  });
});
