// vitest hooks live here, not in emulator-fixture.ts, because bench/ imports the fixture outside vitest.
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startTestEmulator, type TestEmulator } from './emulator-fixture';

/** Options of {@link useTestEmulator}. */
export interface TestEmulatorSuiteOptions {
  /** Reset the emulator's state (directory, faults, clock, log) through the control API before each test. */
  resetBeforeEach?: boolean;
}

/**
 * Starts one emulator (control API on, keys in memory) for the enclosing describe block and closes
 * it afterwards. Call it inside `describe`; read the fields inside hooks and tests.
 */
export function useTestEmulator(options: TestEmulatorSuiteOptions = {}): TestEmulator {
  let started: TestEmulator | undefined;
  const current = (): TestEmulator => {
    if (!started) throw new Error('the test emulator is read outside its hooks and tests');
    return started;
  };
  beforeAll(async () => {
    started = await startTestEmulator();
  });
  afterAll(async () => {
    await started?.close();
    started = undefined;
  });
  if (options.resetBeforeEach) {
    beforeEach(async () => {
      const { http, emulator } = current();
      const reset = await http.send(`${emulator.baseUrl}/_emulator/reset`, { method: 'POST' });
      if (reset.status !== 204) throw new Error(`emulator reset answered HTTP ${reset.status}`);
    });
  }
  return {
    get emulator() {
      return current().emulator;
    },
    get http() {
      return current().http;
    },
    get host() {
      return current().host;
    },
    close: () => current().close(),
  };
}
