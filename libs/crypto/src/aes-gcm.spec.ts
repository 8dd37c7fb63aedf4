import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { openAesGcm, sealAesGcm } from './aes-gcm';
import { CryptoContextError, CryptoIntegrityError } from './errors';

const FIXTURE = resolve(__dirname, '../../../test/fixtures/wycheproof/aes_gcm_test.json');

const hex = z
  .string()
  .regex(/^(?:[0-9a-f]{2})*$/)
  .transform((s) => Buffer.from(s, 'hex'));
const fixtureSchema = z.object({
  algorithm: z.literal('AES-GCM'),
  testGroups: z.array(
    z.object({
      keySize: z.number(),
      ivSize: z.number(),
      tagSize: z.number(),
      tests: z.array(
        z.object({
          tcId: z.number(),
          comment: z.string(),
          key: hex,
          iv: hex,
          aad: hex,
          msg: hex,
          ct: hex,
          tag: hex,
          result: z.enum(['valid', 'invalid', 'acceptable']),
        }),
      ),
    }),
  ),
});

// Read at collection time on purpose: a missing or malformed fixture fails the run instead of
// silently producing zero vectors.
const fixture = fixtureSchema.parse(JSON.parse(readFileSync(FIXTURE, 'utf8')));
const vectors = fixture.testGroups
  .filter((g) => g.keySize === 256 && g.ivSize === 96 && g.tagSize === 128)
  .flatMap((g) => g.tests);

describe('AES-256-GCM (Wycheproof)', () => {
  it('selects exactly the 66 AES-256 / 96-bit IV / 128-bit tag vectors', () => {
    expect(vectors).toHaveLength(66);
    expect(vectors.filter((v) => v.result === 'valid')).toHaveLength(39);
    expect(vectors.filter((v) => v.result === 'invalid')).toHaveLength(27);
  });

  it.each(vectors.map((v) => [v.tcId, v.result, v.comment || 'no comment', v] as const))(
    'tcId %i is %s (%s)',
    (_id, result, _comment, v) => {
      if (result === 'valid') {
        expect(openAesGcm(v.key, v.iv, v.ct, v.tag, v.aad).equals(v.msg)).toBe(true);
        const sealed = sealAesGcm(v.key, v.iv, v.msg, v.aad);
        expect(sealed.ciphertext.equals(v.ct)).toBe(true);
        expect(sealed.tag.equals(v.tag)).toBe(true);
      } else {
        expect(() => openAesGcm(v.key, v.iv, v.ct, v.tag, v.aad)).toThrow(CryptoIntegrityError);
      }
    },
  );
});

describe(sealAesGcm.name, () => {
  const key = Buffer.alloc(32, 7);
  const nonce = Buffer.alloc(12, 9);

  it('authenticates multi-part AAD exactly like the concatenated AAD', () => {
    const plaintext = Buffer.from('multi-part');
    const parts = sealAesGcm(key, nonce, plaintext, [Buffer.from('head'), Buffer.from('er|ctx')]);
    const whole = sealAesGcm(key, nonce, plaintext, Buffer.from('header|ctx'));
    expect(parts.tag.equals(whole.tag)).toBe(true);
    expect(openAesGcm(key, nonce, parts.ciphertext, parts.tag, Buffer.from('header|ctx')).toString()).toBe(
      'multi-part',
    );
  });

  it('rejects a key or nonce of the wrong size with a context error', () => {
    expect(() => sealAesGcm(Buffer.alloc(16), nonce, Buffer.alloc(1), Buffer.alloc(0))).toThrow(CryptoContextError);
    expect(() => sealAesGcm(key, Buffer.alloc(16), Buffer.alloc(1), Buffer.alloc(0))).toThrow(CryptoContextError);
  });
});

describe(openAesGcm.name, () => {
  const key = Buffer.alloc(32, 1);
  const nonce = Buffer.alloc(12, 2);
  const aad = Buffer.from('aad');

  it('rejects a truncated tag instead of checking a shorter one', () => {
    const { ciphertext, tag } = sealAesGcm(key, nonce, Buffer.from('secret'), aad);
    expect(() => openAesGcm(key, nonce, ciphertext, tag.subarray(0, 12), aad)).toThrow(CryptoIntegrityError);
  });

  it('round-trips an empty plaintext and still authenticates it', () => {
    const { ciphertext, tag } = sealAesGcm(key, nonce, Buffer.alloc(0), aad);
    expect(openAesGcm(key, nonce, ciphertext, tag, aad)).toHaveLength(0);
    expect(() => openAesGcm(key, nonce, ciphertext, tag, Buffer.from('other'))).toThrow(CryptoIntegrityError);
  });
});
