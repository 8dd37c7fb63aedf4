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
  const ready = (): T => {
    if (started === undefined) throw new Error('useStarted: the fixture is read before its beforeAll ran');
    return started;
  };
  return new Proxy({} as T, {
    get: (_target, property) => Reflect.get(ready(), property) as unknown,
    has: (_target, property) => Reflect.has(ready(), property),
    // Spreading the stand-in (`{ ...vault.db }`) copies the started value's own properties.
    ownKeys: () => Reflect.ownKeys(ready()),
    getOwnPropertyDescriptor: (_target, property) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(ready(), property);
      return descriptor && { ...descriptor, configurable: true };
    },
  });
}
