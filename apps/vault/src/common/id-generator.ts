import type { Clock } from './clock';
import { randomBase62, type Random } from './random';

/** Injection token of the vault's {@link IdGenerator}. */
export const IDS = Symbol('IDS');

/** Row id prefixes; the prefix tells a reader what an id names in logs and support tickets. */
export type IdPrefix =
  | 'prj'
  | 'key'
  | 'ten'
  | 'dek'
  | 'sec'
  | 'job'
  | 'app'
  | 'ins'
  | 'con'
  | 'cs'
  | 'ost'
  | 'evt'
  | 'chi'
  | 'err'
  | 'iss'
  | 'ep'
  | 'whs'
  | 'msg';

const TIME_WIDTH = 9; // base36 milliseconds fit 9 characters until the year 5188
const SEQUENCE_WIDTH = 4;
const SEQUENCE_SPAN = 36 ** SEQUENCE_WIDTH;

/**
 * The one way the vault makes ids: `<prefix>_<9 base36 ms><4 base36 sequence><12 base62 random>`.
 * Ids sort by creation time (lists page by id, so pages are chronological without a second sort
 * key); the sequence keeps ids made in one millisecond by this process in creation order (ties
 * across replicas order arbitrarily); 12 random base62 characters (~71 bits) keep them
 * unguessable. Time comes from the vault's clock and randomness from its {@link Random}.
 */
export class IdGenerator {
  private lastMs = -1;
  private sequence = 0;

  constructor(
    private readonly clock: Clock,
    private readonly random: Random,
  ) {}

  next(prefix: IdPrefix): string {
    const ms = Math.floor(this.clock());
    if (ms > this.lastMs) {
      this.lastMs = ms;
      this.sequence = 0;
    } else {
      // Same millisecond, or a clock that stepped back: keep counting so this process's ids stay ordered.
      this.sequence = (this.sequence + 1) % SEQUENCE_SPAN;
    }
    const time = Math.max(this.lastMs, 0).toString(36).padStart(TIME_WIDTH, '0');
    return `${prefix}_${time}${this.sequence.toString(36).padStart(SEQUENCE_WIDTH, '0')}${randomBase62(this.random, 12)}`;
  }
}
