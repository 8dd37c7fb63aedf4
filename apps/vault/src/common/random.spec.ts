import { describe, expect, it } from 'vitest';
import { cryptoRandom, randomBase62, randomToken, type Random } from './random';

/** A Random that serves `bytes` over and over. */
const serving = (bytes: number[]): Random => ({
  bytes: (n) => Buffer.from(Array.from({ length: n }, (_, i) => bytes[i % bytes.length])),
});

describe(randomBase62.name, () => {
  it('skips bytes that would bias the alphabet', () => {
    // 255, 250 and 248 are refused; 0 → '0', 61 → 'z', 62 → '0', 247 → 'z'.
    expect(randomBase62(serving([255, 250, 248, 0, 61, 62, 247]), 4)).toBe('0z0z');
  });
});

describe(randomToken.name, () => {
  it('encodes the drawn bytes as base64url', () => {
    expect(randomToken(serving([0xfb, 0xff]), 3)).toBe('-__7');
    expect(randomToken(cryptoRandom, 32)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('cryptoRandom', () => {
  it('hands out each pooled byte once, across refills of the pool, and serves large draws directly', () => {
    // 2,000 draws of 16 bytes span several 4 KiB pools: a byte handed out twice (an offset not
    // advanced, a pool not refilled) would repeat a draw, which 128 random bits never do.
    const draws = Array.from({ length: 2000 }, () => cryptoRandom.bytes(16));
    expect(draws.every((d) => d.length === 16)).toBe(true);
    expect(new Set(draws.map((d) => d.toString('hex'))).size).toBe(2000);
    // Odd lengths keep the pool's offset unaligned; a large draw bypasses the pool.
    expect(cryptoRandom.bytes(3)).toHaveLength(3);
    const large = cryptoRandom.bytes(8192);
    expect(large).toHaveLength(8192);
    expect(large.some((b) => b !== 0)).toBe(true);
  });

  it('returns buffers of their own: changing one leaves the next draws alone', () => {
    const first = cryptoRandom.bytes(32);
    first.fill(0);
    const next = Array.from({ length: 4 }, () => cryptoRandom.bytes(32));
    expect(next.every((d) => d.some((b) => b !== 0))).toBe(true);
  });
});
