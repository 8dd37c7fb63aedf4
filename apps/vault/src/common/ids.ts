import { randomBase62 } from '../api-keys/api-key-format';

/** Kinds of row ids; the prefix tells a reader what an id names in logs and support tickets. */
export type IdPrefix = 'prj' | 'key' | 'ten';

/** A new random row id such as `prj_3fQ9...` (16 base62 characters, ~95 bits). */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomBase62(16)}`;
}
