/**
 * Runs `fn` now and returns its result as a promise; a throw becomes a rejection, exactly as from an
 * async function. For in-process implementations of async interfaces that have nothing to await.
 */
export function settle<T>(fn: () => T): Promise<T> {
  return new Promise((resolve) => resolve(fn()));
}
