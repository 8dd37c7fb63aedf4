// Errors of tenant policy: Conditional Access and the user consent setting. Codes and names are
// from https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes ; the
// `error` strings, suberrors and `claims` follow the documented or recorded token endpoint replies
// cited at each entry.
import { AadstsError } from './aadsts';

/** .NET TimeSpan text (`d.hh:mm:ss`), as Entra writes durations in error descriptions. */
export function timeSpan(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const days = Math.floor(s / 86_400);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const clock = `${pad(Math.floor((s % 86_400) / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
  return days > 0 ? `${days}.${clock}` : clock;
}

export const AadstsPolicy = {
  /**
   * AADSTS53003 BlockedByConditionalAccess. `invalid_grant` as recorded for refresh
   * (OfficeDev/BotBuilder-MicrosoftTeams#284); suberror `message_only` as recorded for the same
   * code (MartinIngesen/MSOLSpray#5), one of the suberrors msal classes as needing interaction.
   */
  blockedByConditionalAccess: (): AadstsError =>
    new AadstsError(
      53003,
      'invalid_grant',
      'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.',
      400,
      'message_only',
    ),
  /** AADSTS70043 BadTokenDueToSignInFrequency; `invalid_grant` like every refresh token Entra no longer accepts. */
  signInFrequency: (signedInAt: Date, maxSeconds: number): AadstsError =>
    new AadstsError(
      70043,
      'invalid_grant',
      `The refresh token has expired or is invalid due to sign-in frequency checks by conditional access. The token was issued on ${signedInAt.toISOString()} and the maximum allowed lifetime for this request is ${timeSpan(maxSeconds)}.`,
    ),
  /**
   * AADSTS50079 UserStrongAuthEnrollmentRequired: MFA is required and the user has no method
   * registered. `interaction_required` as in the recorded reply
   * (AzureAD/azure-activedirectory-library-for-nodejs#151); Microsoft documents no suberror for it.
   */
  mfaEnrollmentRequired: (resource: string): AadstsError =>
    new AadstsError(
      50079,
      'interaction_required',
      `Due to a configuration change made by your administrator, or because you moved to a new location, you must enroll in multi-factor authentication to access '${resource}'.`,
    ),
  /**
   * A Conditional Access challenge: `interaction_required`, AADSTS50076 and, for a client that
   * declared the cp1 capability, a `claims` request naming the policy
   * (`{"access_token":{"polids":{"essential":true,"Values":["<policy id>"]}}}`), as
   * https://learn.microsoft.com/en-us/entra/identity-platform/v2-conditional-access-dev-guide
   * shows it. The token endpoint sends the claims as JSON text; only an API's WWW-Authenticate
   * header base64-encodes them (claims-challenge).
   */
  conditionalAccessChallenge: (resource: string, claims: string | undefined): AadstsError =>
    new AadstsError(
      50076,
      'interaction_required',
      `Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '${resource}'.`,
      400,
      undefined,
      claims,
    ),
  /**
   * AADSTS90094 AdminConsentRequired: shown on the sign-in page ("Need admin approval") when a
   * user who is not an administrator would have to consent and the tenant does not allow it.
   */
  adminApprovalRequired: (appName: string): AadstsError =>
    new AadstsError(
      90094,
      'access_denied',
      `${appName} needs permission to access resources in your organization that only an admin can grant. Please ask an admin to grant permission to this app before you can use it.`,
    ),
} as const;
