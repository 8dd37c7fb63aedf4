import type { FlowFailureCode, FlowFailureInfo } from '../flows/flow-failure';

/** What the person in front of the browser reads: what happened, and what they can do. */
export interface EndUserText {
  happened: string;
  nextStep: string;
}

/** Who the page speaks to about what: an installation or a connection, for which application. */
export interface FailureContext {
  credentialFor: 'installation' | 'user' | null;
  /** The project's name; null when the session is unknown. */
  appName: string | null;
}

const START_AGAIN = 'Go back to the application and start again from there.';
const SUPPORT = "Nothing was saved. Contact the application's support and give them the error code below.";

/**
 * The person's version of a failure. The flow's own message and remediation are written for the
 * application's developers ("add offline_access to the app's scopes", "ask the user to connect
 * again"); they go into the opener's message and the `connect_session.failed` event, never onto
 * this page.
 */
export function failureText(info: FlowFailureInfo, context: FailureContext): EndUserText {
  const app = context.appName ?? 'The application';
  const setUpProblem = {
    happened: `${app} is not set up correctly with Microsoft, so this could not be completed.`,
    nextStep: SUPPORT,
  };
  const texts: Record<FlowFailureCode, EndUserText> = {
    connect_session_missing: {
      happened: 'This link is incomplete: it does not say what to connect.',
      nextStep: START_AGAIN,
    },
    connect_session_not_found: {
      happened: 'This link is not valid: it may be incomplete, mistyped, or from another site.',
      nextStep: START_AGAIN,
    },
    connect_session_expired: { happened: 'This link has expired.', nextStep: START_AGAIN },
    connect_session_consumed: { happened: 'This link was already used.', nextStep: START_AGAIN },
    provider_not_found: { happened: 'This link names a service that does not exist here.', nextStep: START_AGAIN },
    provider_mismatch: {
      happened: 'This link names another service than the one it was made for.',
      nextStep: START_AGAIN,
    },
    app_misconfigured: setUpProblem,
    redirect_mode_unavailable: setUpProblem,
    redirect_uri_not_registered: setUpProblem,
    scopes_missing_offline_access: setUpProblem,
    installation_not_supported: setUpProblem,
    refresh_token_missing: setUpProblem,
    internal_error: { happened: 'Something went wrong on our side.', nextStep: SUPPORT },
    state_missing: {
      happened: "Microsoft's reply could not be matched to a sign-in started here.",
      nextStep: START_AGAIN,
    },
    state_not_found: {
      happened: "Microsoft's reply could not be matched to a sign-in started here.",
      nextStep: START_AGAIN,
    },
    state_replayed: { happened: 'This sign-in was already completed.', nextStep: 'You can close this window.' },
    state_expired: { happened: 'The sign-in took more than ten minutes and expired.', nextStep: START_AGAIN },
    state_browser_mismatch: {
      happened: 'The sign-in finished in another browser than the one it was started in.',
      nextStep: 'Start again from the application, in the browser you will sign in with.',
    },
    flow_superseded: {
      happened: 'You started again in another window, so this one was set aside.',
      nextStep: 'Use the newest window to finish, and close this one.',
    },
    code_missing: { happened: 'Microsoft did not complete the sign-in.', nextStep: START_AGAIN },
    access_denied: {
      happened:
        context.credentialFor === 'installation'
          ? 'The sign-in was cancelled, so nothing was installed.'
          : 'The sign-in was cancelled or the requested access was declined, so nothing was connected.',
      nextStep: `If you want to use ${app} with your Microsoft account, start again from the application and accept.`,
    },
    admin_consent_denied: {
      happened: `The permissions ${app} asks for were not approved for your organisation, so nothing was installed.`,
      nextStep:
        'An administrator of your organisation must approve them. Start again from the application to try again.',
    },
    admin_role_required: {
      happened: 'Installing needs an administrator of your Microsoft organisation, and this account is not one.',
      nextStep: 'Ask a Global Administrator or Privileged Role Administrator of your organisation to install it.',
    },
    microsoft_error: microsoftText(info, app),
    tenant_mismatch: {
      happened: 'Microsoft did not confirm the approval for your organisation.',
      nextStep: START_AGAIN,
    },
    resource_not_found: {
      happened: 'The OneDrive or SharePoint site this installation should use was not found in your organisation.',
      nextStep: SUPPORT,
    },
    resource_unavailable: {
      happened: 'The OneDrive or SharePoint site this installation should use could not be reached.',
      nextStep: 'Try again in a few minutes from the application.',
    },
    directory_mismatch: { happened: info.message, nextStep: info.remediation },
    directory_already_installed: { happened: info.message, nextStep: info.remediation },
    personal_account_not_allowed: { happened: info.message, nextStep: info.remediation },
    account_mismatch: {
      happened: 'You signed in with another Microsoft account than the one connected before.',
      nextStep: 'Start again from the application and choose the account you connected before.',
    },
    id_token_invalid: { happened: "Microsoft's sign-in could not be verified.", nextStep: START_AGAIN },
  };
  return (
    (texts as Partial<Record<string, EndUserText>>)[info.code] ?? { happened: info.message, nextStep: START_AGAIN }
  );
}

function microsoftText(info: FlowFailureInfo, app: string): EndUserText {
  switch (info.action) {
    case 'fix_app_credentials':
      return {
        happened: `${app} is not set up correctly with Microsoft, so this could not be completed.`,
        nextStep: SUPPORT,
      };
    case 'admin_reconsent':
      return {
        happened: `Your organisation has not approved ${app}, or its approval was withdrawn.`,
        nextStep: 'Ask an administrator of your organisation to approve it, then start again from the application.',
      };
    case 'retry':
      return {
        happened: 'Microsoft could not complete the sign-in just now.',
        nextStep: 'Try again in a few minutes from the application.',
      };
    case 'reauthorize':
    case null:
    case undefined:
      return {
        happened: 'Microsoft refused the sign-in.',
        nextStep: `${START_AGAIN} If it keeps failing, contact the application's support with the codes below.`,
      };
  }
}
