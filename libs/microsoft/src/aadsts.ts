// What each Microsoft Entra error means for a stored credential, and what a person should do.
// Codes and meanings: https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes
// The remediations are our own words: Microsoft's error_description can echo user names, tenant
// ids or client ids, so it is never copied into a message.

/**
 * How a failure affects a credential (the refresh issue's meanings):
 * - `transient`: Microsoft hiccuped (5xx, 429, timeouts, 50033, 90055…): retried with backoff, never marks a credential dead;
 * - `needs_reauth`: the user must sign in again (revoked sessions, expired or idle refresh token, MFA, a claims challenge);
 * - `revoked`: access was withdrawn in that customer's directory (consent removed, user disabled or deleted, the app
 *   or the directory gone there);
 * - `access_lost`: the tokens work but Microsoft Graph refuses the bound resource (401/403 after a good refresh);
 * - `misconfigured`: the project's own app registration or credential is wrong (only `fix_app_credentials` rows
 *   flag a whole app);
 * - `consent_required`: a flow's consent was declined or needs an admin (interactive flows only);
 * - `unknown`: anything else, treated as transient by the refresh.
 */
export type FailureKind =
  'transient' | 'needs_reauth' | 'revoked' | 'access_lost' | 'misconfigured' | 'consent_required' | 'unknown';

/** The one thing Authpipe offers to fix it. */
export type FailureAction = 'reauthorize' | 'admin_reconsent' | 'fix_app_credentials' | 'retry' | null;

/** A row of the classification table. */
export interface FailureRule {
  kind: FailureKind;
  action: FailureAction;
  /** A plain sentence: cause, then what to do. */
  remediation: string;
}

const rule = (kind: FailureKind, action: FailureAction, remediation: string): FailureRule => ({
  kind,
  action,
  remediation,
});

const SIGN_IN_AGAIN = 'ask the user to connect again from your app.';

/** AADSTS number → rule. */
export const AADSTS_RULES: Readonly<Record<number, FailureRule>> = {
  // The user's grant is gone or stale.
  50173: rule(
    'needs_reauth',
    'reauthorize',
    `The user's refresh token was revoked (password reset or an admin revoked their sessions): ${SIGN_IN_AGAIN}`,
  ),
  50034: rule(
    'revoked',
    'reauthorize',
    `The user account no longer exists in the directory (deleted, or another directory): ${SIGN_IN_AGAIN}`,
  ),
  70043: rule(
    'needs_reauth',
    'reauthorize',
    `The refresh token expired under the directory's sign-in frequency policy (Conditional Access): ${SIGN_IN_AGAIN}`,
  ),
  50057: rule(
    'revoked',
    'reauthorize',
    `The user account is disabled in the directory: an admin must enable it, then ${SIGN_IN_AGAIN}`,
  ),
  70008: rule('needs_reauth', 'reauthorize', `The refresh token or code has expired or was revoked: ${SIGN_IN_AGAIN}`),
  700082: rule('needs_reauth', 'reauthorize', `The refresh token expired after 90 days without use: ${SIGN_IN_AGAIN}`),
  70000: rule(
    'needs_reauth',
    'reauthorize',
    `The grant is invalid (expired, malformed, or issued to another app): ${SIGN_IN_AGAIN}`,
  ),
  54005: rule('needs_reauth', 'reauthorize', 'The authorization code was already redeemed: start the sign-in again.'),
  501481: rule(
    'needs_reauth',
    'reauthorize',
    'The PKCE code verifier does not match the code challenge: start the sign-in again.',
  ),
  50076: rule(
    'needs_reauth',
    'reauthorize',
    `The directory requires multi-factor authentication for this user: ${SIGN_IN_AGAIN}`,
  ),
  50079: rule(
    'needs_reauth',
    'reauthorize',
    `The user must register for multi-factor authentication: ${SIGN_IN_AGAIN}`,
  ),
  50055: rule(
    'needs_reauth',
    'reauthorize',
    `The user's password has expired: the user must change it, then connect again.`,
  ),
  50126: rule(
    'needs_reauth',
    'reauthorize',
    'The user name or password was wrong: the user must sign in again with the right credentials.',
  ),
  53003: rule(
    'needs_reauth',
    'reauthorize',
    'A Conditional Access policy blocked the sign-in: the directory admin must allow it, then the user connects again.',
  ),
  16000: rule(
    'needs_reauth',
    'reauthorize',
    'The signed-in account does not belong to the requested directory: the user must sign in again and pick the right account.',
  ),
  50020: rule(
    'needs_reauth',
    'reauthorize',
    `The account's identity provider is not allowed in this directory (a personal account where a work account is required, or an uninvited guest): sign in with a work account of this directory.`,
  ),
  90072: rule(
    'needs_reauth',
    'reauthorize',
    'The account belongs to another directory and is not a guest in this one: sign in with an account of this directory, or have an admin invite the user.',
  ),
  // Consent.
  65001: rule(
    'revoked',
    'admin_reconsent',
    'The app has no consent for these permissions in this directory (never granted, or removed): an admin must grant consent again.',
  ),
  90094: rule(
    'consent_required',
    'admin_reconsent',
    'Granting these permissions needs an administrator of the directory: ask an admin to install the app.',
  ),
  65004: rule(
    'consent_required',
    'reauthorize',
    'The user declined to consent to the app: ask the user to connect again and accept.',
  ),
  500011: rule(
    'consent_required',
    'admin_reconsent',
    `The resource is not provisioned in this directory (the app was never installed here, or the scopes name another cloud's Graph): an admin must install the app, and the app's cloud must match the directory.`,
  ),
  // The app registration or its credentials.
  7000215: rule(
    'misconfigured',
    'fix_app_credentials',
    `The client secret is wrong: copy the secret's Value (not its ID) from Entra ID > Certificates & secrets and update the app in Authpipe.`,
  ),
  7000222: rule(
    'misconfigured',
    'fix_app_credentials',
    'The client secret has expired: create a new one in Entra ID > Certificates & secrets and update the app in Authpipe.',
  ),
  7000218: rule(
    'misconfigured',
    'fix_app_credentials',
    'The token request carried no client secret or certificate: add one to the app in Authpipe.',
  ),
  700027: rule(
    'misconfigured',
    'fix_app_credentials',
    `The client certificate is not registered on the app, or its signature did not verify: upload the certificate's public part in Entra ID > Certificates & secrets and update the app in Authpipe.`,
  ),
  700024: rule(
    'misconfigured',
    'fix_app_credentials',
    `The client assertion is outside its validity window: check this server's clock.`,
  ),
  // 700016 and 90002 name the directory of the request: for a customer's directory the app or the
  // directory is gone there (revoked); for the app's own home directory (the app check) the
  // registration itself is wrong, which the check records as the app's status.
  700016: rule(
    'revoked',
    'admin_reconsent',
    `The application was not found in the directory (deleted there, or never installed; or a wrong client ID or cloud): an admin of the directory must install the app again.`,
  ),
  7000112: rule('misconfigured', null, 'The application is disabled in the directory: an admin must enable it.'),
  50011: rule(
    'misconfigured',
    null,
    `The redirect URI is not registered on the app: add it in Entra ID > App registrations > Authentication.`,
  ),
  900971: rule(
    'misconfigured',
    null,
    'The request named no redirect URI: configure a registered redirect URI for the app in Authpipe.',
  ),
  90002: rule(
    'revoked',
    'admin_reconsent',
    `The directory was not found (deleted, or a wrong directory ID, domain or cloud): the customer must install the app again from an existing directory.`,
  ),
  900023: rule(
    'misconfigured',
    null,
    'The directory identifier is not a valid GUID or domain: check the directory configured for the app.',
  ),
  50194: rule(
    'misconfigured',
    null,
    `The app is single-tenant but was used for another directory: make it multi-tenant in Entra ID or use its home directory.`,
  ),
  700054: rule(
    'misconfigured',
    null,
    'The response type is not enabled for the app: enable it under Entra ID > App registrations > Authentication.',
  ),
  // Microsoft-side hiccups.
  90033: rule('transient', 'retry', 'Microsoft reported a transient error: Authpipe retries with backoff.'),
  50033: rule('transient', 'retry', 'Microsoft asked for the request to be retried: Authpipe retries with backoff.'),
  90055: rule(
    'transient',
    'retry',
    'Microsoft is throttling requests to this directory: Authpipe retries with backoff.',
  ),
  50196: rule(
    'transient',
    'retry',
    'Microsoft detected a loop of identical requests: Authpipe retries later with backoff.',
  ),
};

/** OAuth/OIDC `error` values (and msal error codes) when no AADSTS number decides. */
export const ERROR_RULES: Readonly<Record<string, FailureRule>> = {
  invalid_grant: rule('needs_reauth', 'reauthorize', `The grant was rejected: ${SIGN_IN_AGAIN}`),
  interaction_required: rule(
    'needs_reauth',
    'reauthorize',
    `Microsoft requires the user to sign in interactively: ${SIGN_IN_AGAIN}`,
  ),
  login_required: rule('needs_reauth', 'reauthorize', `Microsoft requires the user to sign in: ${SIGN_IN_AGAIN}`),
  consent_required: rule(
    'consent_required',
    'admin_reconsent',
    'Consent is required for the requested permissions: an admin must grant consent again.',
  ),
  access_denied: rule(
    'consent_required',
    'reauthorize',
    'The user or admin declined the request: ask them to try again and approve it.',
  ),
  invalid_client: rule(
    'misconfigured',
    'fix_app_credentials',
    `The app's credentials were rejected: check the client ID, secret or certificate in Authpipe.`,
  ),
  unauthorized_client: rule(
    'misconfigured',
    null,
    'The app is not allowed to use this flow: check its registration in Entra ID.',
  ),
  invalid_scope: rule('misconfigured', null, `A requested scope is invalid: check the app's scopes in Authpipe.`),
  invalid_request: rule(
    'misconfigured',
    null,
    'Microsoft rejected the request as malformed: check the app configuration in Authpipe.',
  ),
  missing_tenant_id_error: rule(
    'misconfigured',
    null,
    'App-only tokens need a specific directory, not common/organizations/consumers: use the installation directory ID.',
  ),
  temporarily_unavailable: rule(
    'transient',
    'retry',
    'Microsoft is temporarily unavailable: Authpipe retries with backoff.',
  ),
  server_error: rule('transient', 'retry', 'Microsoft reported a server error: Authpipe retries with backoff.'),
  // Graph error codes.
  InvalidAuthenticationToken: rule(
    'needs_reauth',
    'reauthorize',
    'Microsoft Graph rejected the access token (expired or revoked): refresh the credential; if that fails, connect again.',
  ),
  // Graph answers 401/403 with these while the token itself was just issued: access to the
  // resource was lost (removed from the site, permission withdrawn), not the sign-in.
  Authorization_RequestDenied: rule(
    'access_lost',
    'admin_reconsent',
    'The token lacks the permission for this Graph call: add the permission to the app and have an admin consent again.',
  ),
  accessDenied: rule(
    'access_lost',
    'admin_reconsent',
    'The token lacks the permission for this Graph call: add the permission to the app and have an admin consent again.',
  ),
  itemNotFound: rule(
    'unknown',
    null,
    'The drive, site or item was not found in Microsoft Graph: check that it still exists and that the URL or id is right.',
  ),
};

/** Rules for failures that carry no Microsoft error at all. */
export const TRANSPORT_RULES = {
  throttled: rule(
    'transient',
    'retry',
    'Microsoft is throttling requests (HTTP 429): Authpipe retries after the time Microsoft asked for.',
  ),
  server: rule(
    'transient',
    'retry',
    'Microsoft answered with a server error (HTTP 5xx): Authpipe retries with backoff.',
  ),
  network: rule(
    'transient',
    'retry',
    'Microsoft could not be reached (timeout or dropped connection): Authpipe retries with backoff.',
  ),
  tls: rule(
    'misconfigured',
    null,
    `The TLS certificate of the Microsoft endpoint was not trusted: check the app's cloud endpoints and the CA certificates of the endpoint override.`,
  ),
  destination: rule(
    'misconfigured',
    null,
    `The Microsoft endpoint resolves to a loopback, link-local or private address that this deployment does not allow: check the app's cloud endpoints, or have the operator allow that network.`,
  ),
  unknown: rule(
    'unknown',
    null,
    'An unexpected error occurred while talking to Microsoft: check the logs with the error id and retry.',
  ),
} as const satisfies Record<string, FailureRule>;
