import { describe, expect, it } from 'vitest';
import { TestClock } from '@test/support/test-clock';
import { IdGenerator } from './id-generator';
import { cryptoRandom, type Random } from './random';

describe(IdGenerator.name, () => {
  it('sorts ids of later milliseconds after earlier ones', () => {
    const clock = new TestClock();
    const ids = new IdGenerator(clock.read, cryptoRandom);
    const early = ids.next('evt');
    clock.advance(1);
    const late = ids.next('evt');
    expect([late, early].sort()).toEqual([early, late]);
  });

  it('keeps creation order for ids made in the same millisecond, and when the clock steps back', () => {
    const clock = new TestClock();
    const ids = new IdGenerator(clock.read, cryptoRandom);
    const made = Array.from({ length: 50 }, () => ids.next('con'));
    clock.advance(-5_000);
    made.push(ids.next('con'));
    expect([...made].sort()).toEqual(made);
    expect(new Set(made).size).toBe(51);
  });

  it('has the prefix and a fixed length, its time and randomness from the seams', () => {
    const fixed: Random = { bytes: (n) => Buffer.alloc(n, 7) };
    const id = new IdGenerator(() => 36 ** 3, fixed).next('app');
    expect(id).toMatch(/^app_[0-9a-z]{13}[0-9A-Za-z]{12}$/);
    expect(id).toBe(`app_000001000${'0000'}${'7'.repeat(12)}`);
  });
});
