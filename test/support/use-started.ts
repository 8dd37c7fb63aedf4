import { afterAll, beforeAll } from 'vitest';

/**
 * Starts a per-file fixture (a vault, an emulator, a world of both) in beforeAll and closes it in
 * afterAll, returning a stand-in usable as the fixture itself once started (tests, later hooks).
 * For plain-object fixtures only: the stand-in forwards property reads to the started value.
 */
export function useStarted<T extends { close(): Promise<void> }>(start: () => Promise<T>, timeoutMs = 120_000): T {
  let started: T | undefined;
  beforeAll(async () => {
    started = await start();
  }, timeoutMs);
  afterAll(async () => {
    await started?.close();
  });
  return new Proxy({} as T, {
    get(_target, property) {
      if (started === undefined) throw new Error('useStarted: the fixture is read before its beforeAll ran');
      return Reflect.get(started, property) as unknown;
    },
  });
}
