/** Injection token of the vault's master {@link KeyProvider} (from `@authpipe/crypto`). */
export const KEY_PROVIDER = Symbol('KEY_PROVIDER');

/** Injection token of the {@link KeyJobsOptions} (batch size). */
export const KEY_JOBS_OPTIONS = Symbol('KEY_JOBS_OPTIONS');
