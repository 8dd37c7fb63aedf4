/**
 * `@authpipe/microsoft`: msal-node clients, clouds, Graph calls and AADSTS classification (no Nest inside).
 * See libs/microsoft/README.md.
 */
export * from './clouds';
export * from './http';
export * from './address-policy';
export * from './msal-network';
export * from './aadsts';
export * from './errors';
export * from './certificates';
export * from './certificate-limits';
export * from './certificate-parser';
export { WorkerBusyError } from './worker-task';
export { kdfRemedy } from './pbe-cost';
export * from './pkce';
export * from './msal-client';
export * from './token-cache';
export * from './msal';
export * from './graph';
export * from './id-token';
