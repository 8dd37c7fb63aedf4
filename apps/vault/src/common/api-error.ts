import {
  ERROR_CATALOG,
  type ApiErrorBody,
  type CredentialErrorCode,
  type ErrorCode,
  type ErrorDefinition,
} from '@authpipe/contract';

// The codes, their statuses and remediations live in one catalog: @authpipe/contract.
export type { ApiErrorBody, CredentialErrorCode, ErrorCode };

/** Codes of the provider, app, connect-session, installation and connection APIs (raised as FlowError). */
export type FlowErrorCode = Extract<
  ErrorCode,
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
  | 'connection_not_found'
>;

/** What an {@link ApiError} carries besides its code and message. */
export interface ApiErrorExtra {
  remediation?: string;
  details?: unknown;
  /**
   * One of the code's other documented statuses (the catalog's `otherStatuses`); the catalog's
   * status otherwise.
   */
  status?: number;
  /** Sent as the `Retry-After` header (seconds), for the codes the catalog says carry one. */
  retryAfterSeconds?: number;
}

/**
 * An expected failure with a stable code, mapped to HTTP by the global exception filter. Its
 * status is the catalog's. Messages are written for the API's user and must never hold a token,
 * key or secret.
 */
export class ApiError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: ApiErrorExtra = {},
  ) {
    super(message);
    this.name = 'ApiError';
    const definition: ErrorDefinition = ERROR_CATALOG[code];
    if (extra.status !== undefined && !(definition.otherStatuses ?? []).includes(extra.status)) {
      throw new Error(`The catalog documents no status ${extra.status} for ${code}`);
    }
    this.status = extra.status ?? definition.status;
  }

  /** The JSON body sent to the client. */
  toBody(): ApiErrorBody {
    const body: ApiErrorBody = { code: this.code, message: this.message };
    if (this.extra.remediation !== undefined) body.remediation = this.extra.remediation;
    if (this.extra.details !== undefined) body.details = this.extra.details;
    return body;
  }

  static invalidRequest(message: string, details?: unknown): ApiError {
    return new ApiError('invalid_request', message, { details });
  }

  static notFound(code: Extract<ErrorCode, `${string}not_found`>, message: string): ApiError {
    return new ApiError(code, message);
  }

  static conflict(message: string): ApiError {
    return new ApiError('conflict', message);
  }
}

/** Generic messages for HTTP statuses raised by the framework (bad JSON, size limits ...). */
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
  431: { code: 'request_header_too_large', message: 'The request headers are too large.' },
};
