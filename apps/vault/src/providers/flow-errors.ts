import { ApiError, type ErrorCode } from '../common/api-error';

/**
 * Stable error codes of the provider, app, connect-session, installation, connection and event
 * APIs. Like every public code, never renamed or reused for another meaning.
 */
export type FlowErrorCode =
  | 'provider_not_found'
  | 'invalid_scope'
  | 'scopes_missing_offline_access'
  | 'scopes_missing_user_read'
  | 'invalid_redirect_uri'
  | 'no_allowed_origins'
  | 'invalid_certificate'
  | 'app_not_found'
  | 'app_in_use'
  | 'app_misconfigured'
  | 'app_home_tenant_required'
  | 'return_to_not_allowed'
  | 'connect_session_not_found'
  | 'connect_session_expired'
  | 'connect_session_consumed'
  | 'installation_not_found'
  | 'connection_not_found';

/**
 * An {@link ApiError} with one of the {@link FlowErrorCode}s. The common `ErrorCode` union is
 * owned by the HTTP skeleton and does not list these yet; the filter only reads `code` as a
 * string, so widening here is safe until the union grows to include them.
 */
export class FlowError extends ApiError {
  constructor(
    status: number,
    readonly flowCode: FlowErrorCode,
    message: string,
    extra: { remediation?: string; details?: unknown } = {},
  ) {
    super(status, flowCode as string as ErrorCode, message, extra);
    this.name = 'FlowError';
  }

  /** 404 with a resource-specific code; another project's or tenant's ids get exactly this too. */
  static missing(code: Extract<FlowErrorCode, `${string}_not_found`>, what: string): FlowError {
    return new FlowError(404, code, `No such ${what}.`);
  }

  static invalid(code: FlowErrorCode, message: string, details?: unknown, remediation?: string): FlowError {
    return new FlowError(400, code, message, { details, remediation });
  }
}
