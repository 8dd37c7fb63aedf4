// @authpipe/node: the backend SDK of Authpipe. See README.md.
export { Authpipe, type AuthpipeOptions, type EvictInput, type HandledWebhook } from './client.js';
export {
  AccessLostError,
  AppMisconfiguredError,
  AuthpipeError,
  CredentialBlockedError,
  CredentialNotFoundError,
  GraphError,
  NeedsReauthError,
  NetworkError,
  ProviderUnavailableError,
  RateLimitedError,
  RevokedError,
  type AuthpipeErrorInit,
  type CredentialAction,
  type CredentialRefusalDetails,
} from './errors.js';
export {
  FileActions,
  SIMPLE_UPLOAD_MAX_BYTES,
  UPLOAD_CHUNK_UNIT_BYTES,
  type ConflictBehavior,
  type DriveItem,
  type DriveTarget,
  type ItemPage,
  type UploadContent,
} from './files.js';
export type { CredentialKeyParts } from './credential-cache.js';
export type { FetchLike, RetryOptions } from './transport.js';
export type {
  Connection,
  ConnectSession,
  CreateConnectSessionInput,
  Credential,
  CredentialFor,
  GetCredentialInput,
  Installation,
  ListInput,
  Page,
  Provider,
  ProxyInput,
  ResourceSpec,
  StatusDetail,
} from './types.js';
export {
  createWebhookHandler,
  CREDENTIAL_EVENT_TYPES,
  credentialIdOf,
  verifyWebhook,
  WEBHOOK_TOLERANCE_SECONDS,
  WebhookVerificationError,
  type VerifyWebhookOptions,
  type WebhookHandlerOptions,
  type WebhookHeaders,
  type WebhookMessage,
} from './webhooks.js';
export {
  CREDENTIAL_REFRESHED_HEADER,
  CREDENTIAL_REFUSALS,
  SDK_MIN_REMAINING_MS,
  SDK_REFRESH_AHEAD_MS,
  VAULT_NEAR_EXPIRY_MS,
  type CredentialRefusalCode,
  type KnownErrorCode,
} from './wire.js';
