// Microsoft identity platform errors. Shapes and codes follow
// https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes and
// https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow#error-response-1 .
// Descriptions never carry a token, code, secret or verifier: only ids the caller already sent.

/** The OAuth `error` values Microsoft uses. */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'interaction_required'
  | 'consent_required'
  | 'login_required'
  | 'access_denied'
  | 'temporarily_unavailable';

/** A failure with an AADSTS number; the token endpoint renders it as Microsoft's JSON error body. */
export class AadstsError extends Error {
  constructor(
    readonly code: number,
    readonly error: OAuthErrorCode,
    readonly description: string,
    readonly status: number = 400,
    readonly suberror?: string,
    /** A claims request the client passes back on its next authorize request (a Conditional Access challenge). */
    readonly claims?: string,
  ) {
    super(`AADSTS${code}: ${description}`);
    this.name = 'AadstsError';
  }
}

/** The catalogue of errors the emulator raises, so each code has one wording. */
export const Aadsts = {
  tenantNotFound: (tenant: string): AadstsError =>
    new AadstsError(
      90002,
      'invalid_request',
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
    ),
  appNotFound: (clientId: string, tenant: string): AadstsError =>
    new AadstsError(
      700016,
      'unauthorized_client',
      `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`,
    ),
  redirectMismatch: (redirectUri: string, clientId: string): AadstsError =>
    new AadstsError(
      50011,
      'invalid_request',
      `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'.`,
    ),
  missingParameter: (name: string): AadstsError =>
    new AadstsError(900144, 'invalid_request', `The request body must contain the following parameter: '${name}'.`),
  invalidParameter: (name: string): AadstsError =>
    new AadstsError(90014, 'invalid_request', `The value of the input parameter '${name}' is not valid.`),
  unsupportedGrant: (grant: string): AadstsError =>
    new AadstsError(70003, 'unsupported_grant_type', `The app requested an unsupported grant type '${grant}'.`),
  unsupportedResponseType: (): AadstsError =>
    new AadstsError(
      70005,
      'unsupported_response_type',
      `response_type 'token' and 'id_token' are not enabled for the application; only 'code' is supported.`,
    ),
  pkcePlainRefused: (): AadstsError =>
    new AadstsError(501491, 'invalid_request', `Invalid code_challenge_method: only S256 is accepted.`),
  invalidScope: (scope: string): AadstsError =>
    new AadstsError(
      70011,
      'invalid_scope',
      `The provided value for the input parameter 'scope' is not valid. The scope '${scope}' is not valid.`,
    ),
  codeRedeemed: (): AadstsError =>
    new AadstsError(
      54005,
      'invalid_grant',
      'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
    ),
  codeInvalid: (): AadstsError =>
    new AadstsError(
      9002313,
      'invalid_grant',
      'Invalid request. Request is malformed or invalid: the authorization code is not valid.',
    ),
  grantExpired: (): AadstsError =>
    new AadstsError(
      70008,
      'invalid_grant',
      'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.',
    ),
  codeBoundToOtherClient: (): AadstsError =>
    new AadstsError(
      70000,
      'invalid_grant',
      'Provided grant is invalid or malformed: it was issued to a different client.',
    ),
  /**
   * The token request's redirect_uri differs from the authorize request's. Microsoft answers this
   * with AADSTS50011 and `invalid_client` (reference-error-codes names 50011 InvalidReplyTo but
   * gives no `error` string; recorded v2.0 token replies, e.g. MicrosoftDocs/azure-docs#86043, carry
   * `invalid_client` and `error_codes: [50011]`). The wording is Microsoft's recorded one for this case.
   */
  replyAddressMismatch: (sent: string, authorized: string): AadstsError =>
    new AadstsError(
      50011,
      'invalid_client',
      `The reply address '${sent}' does not match the reply address '${authorized}' provided when requesting Authorization code.`,
    ),
  /**
   * Strict rotation (a control-API fault, not Microsoft's default): a refresh token that already
   * has a successor is refused like any refresh token Entra no longer accepts. 70000 is
   * "InvalidGrant - The refresh token isn't valid" in reference-error-codes; 50173 would claim a
   * per-user revocation (TokensValidFrom), which is not what happened.
   */
  refreshTokenSuperseded: (): AadstsError =>
    new AadstsError(70000, 'invalid_grant', 'Provided grant is invalid or malformed.'),
  verifierMismatch: (): AadstsError =>
    new AadstsError(
      501481,
      'invalid_grant',
      'The Code_Verifier does not match the code_challenge supplied in the authorization request.',
    ),
  refreshTokenInactive: (issuedAt: Date): AadstsError =>
    new AadstsError(
      700082,
      'invalid_grant',
      `The refresh token has expired due to inactivity. The token was issued on ${issuedAt.toISOString()} and was inactive for 90.00:00:00.`,
    ),
  refreshTokenRevoked: (issuedAt: Date, validFrom: Date): AadstsError =>
    new AadstsError(
      50173,
      'invalid_grant',
      `The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '${issuedAt.toISOString()}' and the TokensValidFrom date (before which tokens are not valid) for this user is '${validFrom.toISOString()}'.`,
    ),
  consentMissing: (clientId: string, appName: string): AadstsError =>
    new AadstsError(
      65001,
      'invalid_grant',
      `The user or administrator has not consented to use the application with ID '${clientId}' named '${appName}'. Send an interactive authorization request for this user and resource.`,
      400,
      'consent_required',
    ),
  mfaRequired: (resource: string): AadstsError =>
    new AadstsError(
      50076,
      'invalid_grant',
      `Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '${resource}'.`,
      400,
      'basic_action',
    ),
  userDisabled: (): AadstsError => new AadstsError(50057, 'invalid_grant', 'The user account is disabled.'),
  userNotInTenant: (upn: string, tenant: string): AadstsError =>
    new AadstsError(
      50020,
      'invalid_request',
      `User account '${upn}' from identity provider does not exist in tenant '${tenant}' and cannot access the application in that tenant.`,
    ),
  singleTenantOnCommon: (clientId: string): AadstsError =>
    new AadstsError(
      50194,
      'invalid_request',
      `Application '${clientId}' is not configured as a multi-tenant application. Usage of the /common endpoint is not supported for such applications.`,
    ),
  missingClientCredential: (): AadstsError =>
    new AadstsError(
      7000218,
      'invalid_client',
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
      401,
    ),
  invalidSecret: (clientId: string): AadstsError =>
    new AadstsError(
      7000215,
      'invalid_client',
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
      401,
    ),
  expiredSecret: (clientId: string): AadstsError =>
    new AadstsError(
      7000222,
      'invalid_client',
      `The provided client secret keys for app '${clientId}' are expired. Create new keys for your app, or consider using certificate credentials for added security.`,
      401,
    ),
  assertionMalformed: (why: string): AadstsError =>
    new AadstsError(50027, 'invalid_client', `JWT token is invalid or malformed: ${why}.`, 401),
  assertionSignature: (): AadstsError =>
    new AadstsError(
      700027,
      'invalid_client',
      'Client assertion failed signature validation, or its certificate is not registered on the application.',
      401,
    ),
  assertionTime: (): AadstsError =>
    new AadstsError(700024, 'invalid_client', 'Client assertion is not within its valid time range.', 401),
  assertionSubject: (): AadstsError =>
    new AadstsError(
      700021,
      'invalid_client',
      "Client assertion application identifier doesn't match 'client_id' parameter.",
      401,
    ),
  tenantRequired: (): AadstsError =>
    new AadstsError(
      50059,
      'invalid_request',
      'No tenant-identifying information found in either the request or implied by any provided credentials.',
    ),
  defaultScopeRequired: (scope: string): AadstsError =>
    new AadstsError(
      1002012,
      'invalid_scope',
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    ),
  userDeclined: (): AadstsError =>
    new AadstsError(65004, 'access_denied', 'User declined to consent to access the app.'),
  notAdmin: (): AadstsError =>
    new AadstsError(
      90094,
      'access_denied',
      'Admin consent is required: the signed-in user is not an administrator of the tenant.',
    ),
  interactionRequired: (): AadstsError =>
    new AadstsError(50058, 'login_required', 'A silent sign-in request was sent but no user is signed in.'),
} as const;

export interface ErrorContext {
  traceId: string;
  correlationId: string;
  now: Date;
}

/** Microsoft's timestamp format in error bodies: `2016-01-09 02:02:12Z`. */
export function aadTimestamp(now: Date): string {
  return `${now.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** The JSON error body of the token endpoint. */
export function errorBody(error: AadstsError, context: ErrorContext, loginHost: string): Record<string, unknown> {
  const timestamp = aadTimestamp(context.now);
  return {
    error: error.error,
    error_description: `AADSTS${error.code}: ${error.description}\r\nTrace ID: ${context.traceId}\r\nCorrelation ID: ${context.correlationId}\r\nTimestamp: ${timestamp}`,
    error_codes: [error.code],
    timestamp,
    trace_id: context.traceId,
    correlation_id: context.correlationId,
    error_uri: `https://${loginHost}/error?code=${error.code}`,
    ...(error.suberror ? { suberror: error.suberror } : {}),
    ...(error.claims ? { claims: error.claims } : {}),
  };
}
