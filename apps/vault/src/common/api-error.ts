/**
 * Stable error codes of the provider, app, connect-session, installation and connection APIs
 * (raised as `FlowError`, providers/flow-error.ts).
 */
export type FlowErrorCode =
  | 'provider_not_found'
  | 'invalid_scope'
  | 'scopes_missing_offline_access'
  | 'scopes_missing_user_read'
  | 'invalid_redirect_uri'
  | 'no_allowed_origins'
  | 'invalid_certificate'
  | 'certificate_kdf_too_costly'
  | 'certificate_parse_timeout'
  | 'app_not_found'
  | 'app_in_use'
  | 'app_misconfigured'
  | 'app_home_tenant_required'
  | 'custom_endpoint_not_allowed'
  | 'return_to_not_allowed'
  | 'connect_session_not_found'
  | 'connect_session_expired'
  | 'connect_session_consumed'
  | 'installation_not_found'
  | 'connection_not_found';

/** Stable codes of getCredential's refusals (get-credential/get-credential.service.ts). */
export type CredentialErrorCode =
  'credential_not_found' | 'needs_reauth' | 'revoked' | 'access_lost' | 'provider_unavailable';

/** Stable codes of key management and encryption failures that reach HTTP (see common/domain-errors.ts). */
export type KeysErrorCode =
  'key_job_busy' | 'secret_scope_conflict' | 'data_key_unavailable' | 'master_key_unavailable' | 'crypto_integrity';

/** Stable codes of the webhook endpoint and delivery APIs (webhooks/). */
export type WebhookErrorCode = 'webhook_endpoint_not_found' | 'webhook_delivery_not_found' | 'webhook_url_not_allowed';

/**
 * Stable error codes of the public API. Clients switch on these, so a code is never renamed
 * or reused for another meaning; the message may change.
 */
export type ErrorCode =
  | FlowErrorCode
  | KeysErrorCode
  | CredentialErrorCode
  | WebhookErrorCode
  | 'invalid_request'
  | 'unauthorized'
  | 'missing_api_key'
  | 'invalid_api_key'
  | 'revoked_api_key'
  | 'forbidden'
  | 'not_found'
  | 'proxy_target_not_allowed'
  | 'tenant_not_found'
  | 'project_not_found'
  | 'api_key_not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'not_ready'
  | 'internal_error';

/** Body of every error response: `{ error: ApiErrorBody }`. */
export interface ApiErrorBody {
  code: ErrorCode;
  message: string;
  remediation?: string;
  details?: unknown;
  errorId?: string;
}

/**
 * An expected failure with a stable code, mapped to HTTP by the global exception filter.
 * Messages are written for the API's user and must never hold a token, key or secret.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly extra: { remediation?: string; details?: unknown } = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The JSON body sent to the client. */
  toBody(): ApiErrorBody {
    const body: ApiErrorBody = { code: this.code, message: this.message };
    if (this.extra.remediation !== undefined) body.remediation = this.extra.remediation;
    if (this.extra.details !== undefined) body.details = this.extra.details;
    return body;
  }

  static invalidRequest(message: string, details?: unknown): ApiError {
    return new ApiError(400, 'invalid_request', message, { details });
  }

  static notFound(code: Extract<ErrorCode, `${string}not_found`>, message: string): ApiError {
    return new ApiError(404, code, message);
  }

  static conflict(message: string): ApiError {
    return new ApiError(409, 'conflict', message);
  }
}

/** Generic messages for HTTP statuses raised by the framework (unknown route, bad JSON ...). */
export const STATUS_CODES: Record<number, { code: ErrorCode; message: string }> = {
  400: { code: 'invalid_request', message: 'The request is malformed.' },
  401: { code: 'unauthorized', message: 'Authentication is required.' },
  403: { code: 'forbidden', message: 'This action is not allowed.' },
  404: { code: 'not_found', message: 'No such resource.' },
  405: { code: 'method_not_allowed', message: 'This method is not allowed here.' },
  409: { code: 'conflict', message: 'The request conflicts with the current state.' },
  413: { code: 'payload_too_large', message: 'The request body is too large.' },
  415: { code: 'unsupported_media_type', message: 'The request body has an unsupported content type.' },
  429: { code: 'rate_limited', message: 'Too many requests; retry later.' },
};
