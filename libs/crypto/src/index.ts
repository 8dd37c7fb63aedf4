/**
 * `@authpipe/crypto`: envelope encryption for Authpipe (no Nest inside). See libs/crypto/README.md.
 */
export * from './errors';
export * from './aes-gcm';
export * from './format';
export * from './aad';
export * from './master-keys';
export * from './master-key-file';
export * from './data-key-store';
export * from './data-key-cache';
export * from './envelope';
export * from './envelope-options';
