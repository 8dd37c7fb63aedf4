import { classifyOAuthError } from '@authpipe/microsoft';
import { z } from 'zod';
import { FlowFailure, type FlowFailureCode } from './flow-failure';

const param = z.string().max(4096).optional();

/** Query of both OAuth callbacks; unknown parameters are ignored, oversized or repeated ones refused. */
export const callbackQuerySchema = z.object({
  state: param,
  code: param,
  error: param,
  error_description: param,
  error_subcode: param,
  admin_consent: param,
  tenant: param,
  scope: param,
});
export type CallbackQuery = z.infer<typeof callbackQuerySchema>;

/** Parses a callback query; a malformed one is treated as carrying no state (nothing can be matched). */
export function parseCallbackQuery(raw: unknown): CallbackQuery {
  const parsed = callbackQuerySchema.safeParse(raw ?? {});
  return parsed.success ? parsed.data : {};
}

/**
 * The failure for an `error` redirect from Microsoft, explained by its classification. Only the
 * AADSTS number is read from error_description; its text is never shown (it can echo user names).
 */
export function microsoftRedirectError(query: CallbackQuery, deniedCode: FlowFailureCode): FlowFailure {
  const failure = classifyOAuthError({
    error: query.error ?? 'unknown_error',
    error_description: query.error_description,
    suberror: query.error_subcode,
  });
  if (query.error === 'access_denied' && (failure.aadsts === null || failure.aadsts === 65004)) {
    return new FlowFailure(403, {
      code: deniedCode,
      message:
        deniedCode === 'admin_consent_denied'
          ? 'The administrator did not grant consent to the app.'
          : 'The sign-in was cancelled or consent was declined.',
      // Microsoft's classification speaks of "the user"; an admin consent is an administrator's.
      remediation:
        deniedCode === 'admin_consent_denied'
          ? "An administrator of the customer's organisation must approve the permissions on Microsoft's admin consent page; start a new installation session when they are ready."
          : failure.remediation,
      ...(failure.aadsts !== null ? { aadsts: failure.aadsts } : {}),
      action: failure.action,
    });
  }
  return FlowFailure.fromMicrosoft(failure);
}
