/**
 * The one catalog of the error codes the vault answers with. Clients switch on the code, so a
 * code is never renamed or reused for another meaning; messages may change.
 */

/** Where a code belongs, for grouping in documentation. */
export type ErrorGroup =
  | 'request'
  | 'authentication'
  | 'apps'
  | 'connect'
  | 'flows'
  | 'credentials'
  | 'proxy'
  | 'webhooks'
  | 'keys'
  | 'server';

/** What the catalog says about one code. */
export interface ErrorDefinition {
  /** The HTTP status the API answers the code with. */
  readonly status: number;
  /**
   * Other statuses the code is documented with, for a code whose meaning does not change with
   * the status (e.g. `custom_endpoint_not_allowed`: 400 on create, 409 for a stored app).
   */
  readonly otherStatuses?: readonly number[];
  /** Whether sending the same request again, later, may succeed without anyone acting. */
  readonly retryable: boolean;
  /** The answer carries a `Retry-After` header (seconds). */
  readonly retryAfter?: true;
  readonly group: ErrorGroup;
  /** What the code means, for documentation. */
  readonly description: string;
  /** What to do about it, when the answer does not say more precisely. */
  readonly remediation?: string;
}

const RESTART = 'Start again from the application: every attempt needs a new connect session.';

// `satisfies` keeps each key a literal, so ErrorCode below is the union of the keys.
export const ERROR_CATALOG = {
  // Requests the vault cannot take as they are.
  invalid_request: {
    status: 400,
    retryable: false,
    group: 'request',
    description: 'A parameter, query or body field is missing, unknown or malformed; `details` lists each problem.',
    remediation: 'Fix the fields named in details (see /docs for each route).',
  },
  invalid_characters: {
    status: 400,
    retryable: false,
    group: 'request',
    description:
      'An id, path, query or body string holds a NUL byte (or, in an id, a control or bidi-override character or a lone surrogate).',
    remediation: 'Send ids and strings without NUL bytes or control characters.',
  },
  unauthorized: {
    status: 401,
    retryable: false,
    group: 'authentication',
    description: 'Authentication is required.',
  },
  missing_api_key: {
    status: 401,
    retryable: false,
    group: 'authentication',
    description: 'No API key was sent.',
    remediation: 'Send `Authorization: Bearer <project secret key>`.',
  },
  invalid_api_key: {
    status: 401,
    retryable: false,
    group: 'authentication',
    description: 'The API key is not one of this vault.',
    remediation: 'Check the key, or create one with `npx authpipe api-key create`.',
  },
  revoked_api_key: {
    status: 401,
    retryable: false,
    group: 'authentication',
    description: 'The API key was revoked.',
    remediation: 'Use a current key of the project.',
  },
  forbidden: { status: 403, retryable: false, group: 'authentication', description: 'This action is not allowed.' },
  not_found: {
    status: 404,
    retryable: false,
    group: 'request',
    description: 'No route for this method and path.',
    remediation: 'See /docs for the routes.',
  },
  method_not_allowed: {
    status: 405,
    retryable: false,
    group: 'request',
    description: 'The path exists, not with this method; the `Allow` header lists the methods it takes.',
    remediation: 'Use one of the methods in the Allow header.',
  },
  conflict: {
    status: 409,
    retryable: false,
    group: 'request',
    description: 'The request conflicts with the current state.',
  },
  payload_too_large: {
    status: 413,
    retryable: false,
    group: 'request',
    description: 'The request body is too large.',
  },
  unsupported_media_type: {
    status: 415,
    retryable: false,
    group: 'request',
    description: 'A request body was sent without `Content-Type: application/json`.',
    remediation:
      "Send the body as JSON with `Content-Type: application/json` (curl: -H 'content-type: application/json').",
  },
  request_header_too_large: {
    status: 431,
    retryable: false,
    group: 'request',
    description: 'The request headers are too large.',
    remediation: 'Send fewer or shorter headers (cookies included).',
  },
  rate_limited: {
    status: 429,
    retryable: true,
    retryAfter: true,
    group: 'request',
    description: 'Too many requests; the Retry-After header says when to try again.',
    remediation: 'Retry after the number of seconds in Retry-After.',
  },
  // Projects, tenants and API keys.
  project_not_found: { status: 404, retryable: false, group: 'request', description: 'No such project.' },
  tenant_not_found: {
    status: 404,
    retryable: false,
    group: 'request',
    description: "No tenant with this id in the project (another project's tenants answer the same).",
  },
  api_key_not_found: { status: 404, retryable: false, group: 'authentication', description: 'No such API key.' },
  // Provider apps.
  provider_not_found: {
    status: 404,
    retryable: false,
    group: 'apps',
    description: 'Unknown provider; `details.known` lists the provider ids.',
    remediation: 'Use a provider id from GET /v1/providers.',
  },
  invalid_scope: {
    status: 400,
    retryable: false,
    group: 'apps',
    description: 'A scope is not in the provider’s catalogue.',
    remediation: 'Use only scopes from GET /v1/providers.',
  },
  scopes_missing_offline_access: {
    status: 400,
    retryable: false,
    group: 'apps',
    description: 'User scopes lack offline_access: Microsoft would issue no refresh token.',
    remediation: 'Add offline_access to userScopes.',
  },
  scopes_missing_user_read: {
    status: 400,
    retryable: false,
    group: 'apps',
    description: 'User scopes lack User.Read, which the vault reads the signed-in account with.',
    remediation: 'Add User.Read to userScopes.',
  },
  invalid_redirect_uri: {
    status: 400,
    retryable: false,
    group: 'apps',
    description: 'A redirect URI is not acceptable.',
  },
  no_allowed_origins: {
    status: 400,
    retryable: false,
    group: 'apps',
    description: 'A popup flow needs the app to list the frontend’s origin in allowedOrigins.',
    remediation: "Add your frontend's origin with PATCH /v1/apps/{id} (allowedOrigins), or use mode redirect.",
  },
  invalid_certificate: {
    status: 400,
    retryable: false,
    group: 'apps',
    description: 'The certificate or private key cannot be read.',
  },
  certificate_kdf_too_costly: {
    status: 400,
    retryable: false,
    group: 'apps',
    description: 'A password-protected certificate asks for more key-derivation iterations than allowed.',
    remediation: 'Export the certificate again with default settings (OpenSSL 3 uses about 2,000 iterations).',
  },
  certificate_parse_timeout: {
    status: 400,
    retryable: false,
    group: 'apps',
    description: 'Reading the certificate took longer than the time limit.',
  },
  app_not_found: {
    status: 404,
    retryable: false,
    group: 'apps',
    description: "No such app in the project (another project's apps answer the same).",
  },
  app_in_use: {
    status: 409,
    retryable: false,
    group: 'apps',
    description: 'The app still has installations or connections.',
    remediation: 'Delete them first.',
  },
  app_misconfigured: {
    status: 409,
    retryable: false,
    group: 'credentials',
    description:
      "The project's own app credential is refused by Microsoft (expired secret, wrong certificate): every credential of the app is blocked.",
    remediation: 'Fix the app credentials with PATCH /v1/apps/{id}, then run POST /v1/apps/{id}/check.',
  },
  app_home_tenant_required: {
    status: 400,
    retryable: false,
    group: 'apps',
    description: 'A single-tenant app needs its home directory (homeTenantId).',
  },
  custom_endpoint_not_allowed: {
    status: 400,
    otherStatuses: [409],
    retryable: false,
    group: 'apps',
    description:
      "A custom cloud origin is not on the operator's AUTHPIPE_CUSTOM_CLOUD_ORIGINS (400 on create or update, 409 for a stored app whose origin was removed).",
    remediation: 'Use a named cloud, or ask the operator to allow the origin.',
  },
  // Connect sessions and the browser flows.
  return_to_not_allowed: {
    status: 400,
    retryable: false,
    group: 'connect',
    description: "returnTo is not under one of the app's allowed origins.",
    remediation: 'Add the origin to the app (allowedOrigins), or use an allowed returnTo.',
  },
  connect_session_not_found: {
    status: 404,
    retryable: false,
    group: 'connect',
    description: 'No such connect session.',
    remediation: RESTART,
  },
  connect_session_expired: {
    status: 410,
    retryable: false,
    group: 'connect',
    description: 'The connect session expired.',
    remediation: RESTART,
  },
  connect_session_consumed: {
    status: 410,
    retryable: false,
    group: 'connect',
    description: 'The connect session was already used.',
    remediation: RESTART,
  },
  provider_mismatch: {
    status: 400,
    retryable: false,
    group: 'flows',
    description: 'The flow was opened for another provider than its session.',
  },
  redirect_uri_not_registered: {
    status: 500,
    retryable: false,
    group: 'flows',
    description: "The vault's callback URL is not among the app's redirect URIs.",
  },
  state_missing: { status: 400, retryable: false, group: 'flows', description: 'The sign-in reply carries no state.' },
  state_not_found: {
    status: 400,
    retryable: false,
    group: 'flows',
    description: 'The sign-in reply belongs to no flow started here.',
    remediation: RESTART,
  },
  state_replayed: {
    status: 400,
    retryable: false,
    group: 'flows',
    description: 'The sign-in reply was already used.',
    remediation: RESTART,
  },
  state_expired: {
    status: 400,
    retryable: false,
    group: 'flows',
    description: 'The sign-in took longer than ten minutes.',
    remediation: RESTART,
  },
  state_browser_mismatch: {
    status: 400,
    retryable: false,
    group: 'flows',
    description: 'The sign-in reply came back to another browser than the one that started the flow.',
    remediation: RESTART,
  },
  code_missing: { status: 400, retryable: false, group: 'flows', description: 'Microsoft sent no authorization code.' },
  connect_session_missing: {
    status: 400,
    retryable: false,
    group: 'flows',
    description: 'The connect URL has no `?session=`: it was cut or typed by hand.',
    remediation: 'Open the complete URL the application received when it created the connect session.',
  },
  redirect_mode_unavailable: {
    status: 400,
    retryable: false,
    group: 'flows',
    description: 'The flow was asked to run in redirect mode, but its session has no returnTo to come back to.',
    remediation: 'Create the connect session with returnTo, or run the flow in a popup.',
  },
  flow_superseded: {
    status: 409,
    retryable: false,
    group: 'flows',
    description: 'A newer attempt of this connect session was started in the same browser; this one was set aside.',
    remediation: 'Finish in the newest window; this one stored nothing.',
  },
  account_mismatch: {
    status: 409,
    retryable: false,
    group: 'flows',
    description:
      'The user re-authorized an existing connection with another Microsoft account than the one it belongs to.',
    remediation:
      'Sign in with the account the connection belongs to, or create the session with allowAccountChange: true.',
  },
  access_denied: { status: 403, retryable: false, group: 'flows', description: 'The user declined.' },
  admin_consent_denied: {
    status: 403,
    retryable: false,
    group: 'flows',
    description: 'The administrator did not grant consent.',
  },
  microsoft_error: {
    status: 502,
    retryable: false,
    group: 'flows',
    description: 'Microsoft refused the request; `aadsts` and the remediation say why.',
  },
  tenant_mismatch: {
    status: 403,
    otherStatuses: [400],
    retryable: false,
    group: 'flows',
    description: 'The consent callback names another directory than the one the sign-in proved.',
  },
  resource_not_found: {
    status: 404,
    retryable: false,
    group: 'flows',
    description: "The installation's resource (drive, site, user) does not exist in the directory.",
  },
  resource_unavailable: {
    status: 502,
    retryable: false,
    group: 'flows',
    description: "Microsoft Graph refused the installation's resource.",
  },
  directory_mismatch: {
    status: 409,
    retryable: false,
    group: 'flows',
    description: 'The re-authorization signed in to another directory than the installation’s.',
  },
  directory_already_installed: {
    status: 409,
    retryable: false,
    group: 'flows',
    description: 'The directory is already installed for another tenant of the project.',
    remediation: 'Remove the existing installation, or allow shared directories for the project (admin API or CLI).',
  },
  admin_role_required: {
    status: 403,
    retryable: false,
    group: 'flows',
    description: 'Installing needs a Global Administrator or Privileged Role Administrator of the directory.',
  },
  installation_not_supported: {
    status: 500,
    retryable: false,
    group: 'flows',
    description: 'The provider does not support installations.',
  },
  personal_account_not_allowed: {
    status: 403,
    retryable: false,
    group: 'flows',
    description: 'A personal Microsoft account cannot install an app into a directory.',
  },
  refresh_token_missing: {
    status: 502,
    retryable: false,
    group: 'flows',
    description: 'Microsoft issued no refresh token.',
  },
  id_token_invalid: {
    status: 502,
    retryable: false,
    group: 'flows',
    description: "Microsoft's sign-in proof (id_token) did not verify.",
  },
  installation_not_found: {
    status: 404,
    retryable: false,
    group: 'credentials',
    description: "No such installation in the project (another project's answer the same).",
  },
  connection_not_found: {
    status: 404,
    retryable: false,
    group: 'credentials',
    description: "No such connection in the project (another project's answer the same).",
  },
  // getCredential's refusals.
  credential_not_found: {
    status: 404,
    retryable: false,
    group: 'credentials',
    description: 'The tenant (or user) has no installation (or connection) of this provider.',
    remediation: 'Start an install or connect flow with POST /v1/connect-sessions.',
  },
  needs_reauth: {
    status: 409,
    retryable: false,
    group: 'credentials',
    description: 'The user must sign in again (password changed, token expired after inactivity, MFA, ...).',
    remediation: 'Send the user to the link in details.action.url (a new connect session).',
  },
  revoked: {
    status: 409,
    retryable: false,
    group: 'credentials',
    description: "Access was withdrawn in the customer's directory (consent removed, user disabled).",
    remediation: "Ask the customer's administrator to consent again (details.action.url).",
  },
  access_lost: {
    status: 409,
    retryable: false,
    group: 'credentials',
    description: 'The tokens work, but Microsoft Graph refuses the bound resource.',
    remediation: 'Ask the customer to restore access to the drive or site, or install again.',
  },
  provider_unavailable: {
    status: 503,
    // 502 from the Graph proxy: Graph itself could not be reached for this request.
    otherStatuses: [502],
    retryable: true,
    retryAfter: true,
    group: 'credentials',
    description: 'Microsoft is failing transiently and the stored token has expired.',
    remediation: 'Retry after the number of seconds in Retry-After.',
  },
  // The Graph proxy.
  proxy_target_not_allowed: {
    status: 400,
    retryable: false,
    group: 'proxy',
    description:
      "The proxied path is not a plain Graph path of the app's cloud (dot segments, encoded slashes or dots, backslashes, `@`, another host); `details.reason` says which.",
    remediation: "Send the Graph path after its version, with reserved characters percent-encoded (a UPN's @ as %40).",
  },
  request_timeout: {
    status: 408,
    retryable: true,
    group: 'proxy',
    description: 'A proxied request body stopped arriving, or Graph did not answer it in time.',
    remediation: 'Retry; send large bodies steadily (the proxy waits 60 s without a byte).',
  },
  // Webhooks.
  webhook_endpoint_not_found: {
    status: 404,
    retryable: false,
    group: 'webhooks',
    description: 'No such webhook endpoint in this project.',
  },
  webhook_delivery_not_found: {
    status: 404,
    retryable: false,
    group: 'webhooks',
    description: 'No such delivery of this webhook endpoint.',
  },
  webhook_url_not_allowed: {
    status: 400,
    retryable: false,
    group: 'webhooks',
    description:
      'The endpoint URL is not https, or its host is (or resolves to) a loopback, link-local or private address the operator does not allow.',
    remediation:
      'Use a public https URL, or have the operator allow that network (AUTHPIPE_WEBHOOK_ALLOW_PRIVATE_NETWORKS).',
  },
  // Keys and encryption.
  key_job_busy: {
    status: 409,
    retryable: true,
    group: 'keys',
    description: 'A key job for this scope is already running.',
    remediation: 'Wait for the running job to finish, then retry.',
  },
  secret_scope_conflict: {
    status: 409,
    retryable: false,
    group: 'keys',
    description: 'The record already holds a secret of another project or tenant.',
  },
  data_key_unavailable: {
    status: 503,
    retryable: true,
    group: 'keys',
    description: "The tenant's data key changed while writing; nothing was stored.",
    remediation: 'Retry the request.',
  },
  master_key_unavailable: {
    status: 503,
    retryable: false,
    group: 'keys',
    description: 'This replica lacks the master key version the data is protected with.',
    remediation: 'Configure every master key version on every replica (AUTHPIPE_MASTER_KEYS), then retry.',
  },
  crypto_integrity: {
    status: 500,
    retryable: false,
    group: 'keys',
    description: 'Stored data failed its integrity check and cannot be used.',
    remediation: 'Quote the error id to the operator: the record was altered, or its tenant key was destroyed.',
  },
  // The server itself.
  not_ready: {
    status: 503,
    retryable: true,
    group: 'server',
    description: 'The vault is not ready to serve requests (database, keys, migrations, invalidation bus).',
  },
  internal_error: {
    status: 500,
    retryable: false,
    group: 'server',
    description: 'An unexpected error; the answer carries an error id the log holds with the cause.',
    remediation: 'Quote the error id when reporting it.',
  },
} as const satisfies Record<string, ErrorDefinition>;

/** Every stable error code of the API. */
export type ErrorCode = keyof typeof ERROR_CATALOG;

/** The codes, in catalog order. */
export const ERROR_CODES = Object.keys(ERROR_CATALOG) as ErrorCode[];

/** The catalog's entry of `code`. */
export function errorDefinition(code: ErrorCode): ErrorDefinition {
  return ERROR_CATALOG[code];
}

/** Whether `value` is a code of the catalog (e.g. in an SDK mapping an answer to a typed error). */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CATALOG, value);
}

/** Codes of getCredential's refusals. */
export const CREDENTIAL_ERROR_CODES = [
  'credential_not_found',
  'needs_reauth',
  'revoked',
  'access_lost',
  'app_misconfigured',
  'provider_unavailable',
] as const satisfies readonly ErrorCode[];
export type CredentialErrorCode = (typeof CREDENTIAL_ERROR_CODES)[number];

/**
 * Codes a browser flow ends with: shown on its last page, posted to the opener window or added to
 * the returnTo URL. Any other code an API step raises during a flow reaches the page as it is.
 */
export const FLOW_FAILURE_CODES = [
  'connect_session_missing',
  'connect_session_not_found',
  'connect_session_expired',
  'connect_session_consumed',
  'redirect_mode_unavailable',
  'provider_not_found',
  'provider_mismatch',
  'app_misconfigured',
  'redirect_uri_not_registered',
  'scopes_missing_offline_access',
  'state_missing',
  'state_not_found',
  'state_replayed',
  'state_expired',
  'state_browser_mismatch',
  'flow_superseded',
  'account_mismatch',
  'code_missing',
  'access_denied',
  'admin_consent_denied',
  'microsoft_error',
  'tenant_mismatch',
  'resource_not_found',
  'resource_unavailable',
  'directory_mismatch',
  'directory_already_installed',
  'admin_role_required',
  'installation_not_supported',
  'personal_account_not_allowed',
  'refresh_token_missing',
  'id_token_invalid',
  'internal_error',
] as const satisfies readonly ErrorCode[];
export type FlowFailureCode = (typeof FLOW_FAILURE_CODES)[number];
