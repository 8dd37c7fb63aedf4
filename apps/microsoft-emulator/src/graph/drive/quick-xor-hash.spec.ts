import { describe, expect, it } from 'vitest';
import { quickXorHash } from './quick-xor-hash';

describe(quickXorHash.name, () => {
  // Published vectors (rclone's quickxorhash tests and the libqxh README).
  it.each([
    ['', 'AAAAAAAAAAAAAAAAAAAAAAAAAAA='],
    ['Sg==', 'SgAAAAAAAAAAAAAAAQAAAAAAAAA='],
    ['tbQ=', 'taAFAAAAAAAAAAAAAgAAAAAAAAA='],
    ['0pZP', '0rDEEwAAAAAAAAAAAwAAAAAAAAA='],
    ['luBZlaT6', 'lgBHFipBCn0AAAAABgAAAAAAAAA='],
    ['qaApEj66lw==', 'qQBFCiTgA11cAgAABwAAAAAAAAA='],
  ])('hashes base64 input %s to %s', (input, expected) => {
    expect(quickXorHash(Buffer.from(input, 'base64'))).toBe(expected);
  });

  it('matches the libqxh README vector for "hello world"', () => {
    expect(quickXorHash(Buffer.from('hello world'))).toBe('aCgDG9jwBhDc4Q1yawMZAAAAAAA=');
  });

  it('wraps around the 160-bit state: bytes 0 and 160 land on the same bits', () => {
    const cancelling = Buffer.alloc(161);
    cancelling[0] = 0x5a;
    cancelling[160] = 0x5a;
    expect(quickXorHash(cancelling)).toBe(quickXorHash(Buffer.alloc(161)));
    cancelling[160] = 0x5b;
    expect(quickXorHash(cancelling)).not.toBe(quickXorHash(Buffer.alloc(161)));
  });
});
