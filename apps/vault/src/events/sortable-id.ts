import { randomBase62 } from '../api-keys/api-key-format';

/** Row id prefixes of the flow records; the prefix tells a reader what an id names. */
export type FlowIdPrefix = 'app' | 'ins' | 'con' | 'cs' | 'ost' | 'evt' | 'chi';

const TIME_WIDTH = 9; // base36 milliseconds fit 9 characters until the year 5188
const SEQUENCE_WIDTH = 4;
const SEQUENCE_SPAN = 36 ** SEQUENCE_WIDTH;

let lastMs = -1;
let sequence = 0;

/**
 * A new row id that sorts by creation time: `<prefix>_<9 base36 ms><4 base36 sequence><12 base62 random>`.
 * Lists page by id, so time-ordered ids give chronological pages without a second sort key. The
 * sequence keeps ids made in the same millisecond by this process in creation order (ties across
 * replicas order arbitrarily); 12 random base62 characters (~71 bits) keep ids unguessable.
 */
export function newSortableId(prefix: FlowIdPrefix, nowMs: number): string {
  const ms = Math.floor(nowMs);
  if (ms > lastMs) {
    lastMs = ms;
    sequence = 0;
  } else {
    // Same millisecond, or a clock that stepped back: keep counting so this process's ids stay ordered.
    sequence = (sequence + 1) % SEQUENCE_SPAN;
  }
  const time = Math.max(ms, 0).toString(36).padStart(TIME_WIDTH, '0');
  return `${prefix}_${time}${sequence.toString(36).padStart(SEQUENCE_WIDTH, '0')}${randomBase62(12)}`;
}
