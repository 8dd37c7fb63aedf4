/**
 * `@authpipe/contract`: what the vault, the SDKs and the dashboard share (zod only, no Nest).
 * See libs/contract/README.md.
 */
export * from './errors/catalog';
export * from './errors/error-body';
export * from './errors/boot-errors';
export * from './credential-status';
export * from './timing';
export * from './events';
export * from './route';
export * from './routes';
export * from './openapi';
export * from './api';
export * from './validation';
export * from './flow-protocol';
