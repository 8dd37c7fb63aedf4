/** Injection token of the migrations this build ships (read at boot), for the readiness check. */
export const MIGRATIONS = Symbol('MIGRATIONS');
