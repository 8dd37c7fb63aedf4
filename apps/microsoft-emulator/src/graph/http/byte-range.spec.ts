import { describe, expect, it } from 'vitest';
import { byteRangeOf } from './byte-range';

describe(byteRangeOf.name, () => {
  it('serves the whole file without a header or with one it may ignore', () => {
    expect(byteRangeOf(undefined, 10)).toBe('whole');
    expect(byteRangeOf('bytes=0-1,4-5', 10)).toBe('whole');
    expect(byteRangeOf('items=0-1', 10)).toBe('whole');
  });

  it('reads closed, open-ended and suffix ranges, clamping the end to the file', () => {
    expect(byteRangeOf('bytes=2-4', 10)).toEqual({ start: 2, end: 4 });
    expect(byteRangeOf('bytes=7-', 10)).toEqual({ start: 7, end: 9 });
    expect(byteRangeOf('bytes=5-99', 10)).toEqual({ start: 5, end: 9 });
    expect(byteRangeOf('bytes=-3', 10)).toEqual({ start: 7, end: 9 });
    expect(byteRangeOf('bytes=-30', 10)).toEqual({ start: 0, end: 9 });
  });

  it('calls a range starting past the end, reversed or empty unsatisfiable', () => {
    expect(byteRangeOf('bytes=10-', 10)).toBe('unsatisfiable');
    expect(byteRangeOf('bytes=4-2', 10)).toBe('unsatisfiable');
    expect(byteRangeOf('bytes=-0', 10)).toBe('unsatisfiable');
    expect(byteRangeOf('bytes=0-', 0)).toBe('unsatisfiable');
  });
});
