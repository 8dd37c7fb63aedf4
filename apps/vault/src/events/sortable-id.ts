import { randomBase62 } from '../api-keys/api-key-format';

/** Row id prefixes of the flow records; the prefix tells a reader what an id names. */
export type FlowIdPrefix = 'app' | 'ins' | 'con' | 'cs' | 'ost' | 'evt' | 'chi';

const TIME_WIDTH = 9; // base36 milliseconds fit 9 characters until the year 5188

/**
 * A new row id that sorts by creation time: `<prefix>_<9 base36 ms><14 base62 random>`.
 * Lists page by id, so time-ordered ids give chronological pages without a second sort key;
 * 14 random base62 characters (~83 bits) keep ids unguessable.
 */
export function newSortableId(prefix: FlowIdPrefix, nowMs: number): string {
  return `${prefix}_${Math.floor(nowMs).toString(36).padStart(TIME_WIDTH, '0')}${randomBase62(14)}`;
}
