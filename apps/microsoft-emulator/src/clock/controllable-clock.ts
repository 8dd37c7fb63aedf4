import type { EmulatorClock } from '../directory/contracts';

/**
 * The emulator's clock: real time (or an injected source) plus an offset the control API can
 * move forward, so tests can cross a 90-day refresh-token window without waiting.
 */
export class ControllableClock implements EmulatorClock {
  private offsetMs = 0;

  constructor(private readonly source: () => Date = () => new Date()) {}

  now(): Date {
    return new Date(this.source().getTime() + this.offsetMs);
  }

  /** Moves the clock forward; time never goes back, as issued tokens would become valid again. */
  advance(ms: number): Date {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('the clock only moves forward');
    this.offsetMs += ms;
    return this.now();
  }

  /** Removes every advance made so far. */
  reset(): void {
    this.offsetMs = 0;
  }
}
