/** Milliseconds in a day, for dates relative to a test clock. */
export const DAY_MS = 86_400_000;

/**
 * The one clock of the test suites. It starts at the real time of the run (whole seconds, so
 * dates round-trip through JWTs and certificates unchanged) and moves only when a test moves it.
 * Every date a test writes comes from here or is relative to it, so the suites pass on any date,
 * including under a machine clock moved years ahead (`faketime`, as CI runs them).
 */
export class TestClock {
  constructor(public nowMs = Math.floor(Date.now() / 1000) * 1000) {}

  /** The vault's clock seam: a function returning epoch milliseconds. */
  readonly read = (): number => this.nowMs;

  advance(ms: number): void {
    this.nowMs += ms;
  }

  /** The clock's time moved by `offsetMs`, as a Date. */
  date(offsetMs = 0): Date {
    return new Date(this.nowMs + offsetMs);
  }

  /** The emulator's time source (`startEmulator({ now })`): both move when this clock does. */
  readonly source = (): Date => new Date(this.nowMs);

  /** The clock's time moved by `offsetMs`, as an ISO string. */
  iso(offsetMs = 0): string {
    return this.date(offsetMs).toISOString();
  }
}
