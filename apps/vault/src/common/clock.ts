/** Injection token of the clock, so tests control time. */
export const CLOCK = Symbol('CLOCK');

/** Returns the current time in epoch milliseconds. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();
