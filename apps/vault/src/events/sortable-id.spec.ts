import { describe, expect, it } from 'vitest';
import { newSortableId } from './sortable-id';

describe('newSortableId', () => {
  it('sorts ids of later milliseconds after earlier ones', () => {
    const early = newSortableId('evt', Date.parse('2026-11-22T12:00:00Z'));
    const late = newSortableId('evt', Date.parse('2026-11-22T12:00:00.001Z'));
    expect([late, early].sort()).toEqual([early, late]);
  });

  it('keeps creation order for ids made in the same millisecond', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    const ids = Array.from({ length: 50 }, () => newSortableId('con', now));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(50);
  });

  it('has the prefix and a fixed length', () => {
    expect(newSortableId('app', Date.now())).toMatch(/^app_[0-9a-z]{13}[0-9A-Za-z]{12}$/);
  });
});
