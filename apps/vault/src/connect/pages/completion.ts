import {
  FLOW_MESSAGE_TYPE,
  FLOW_PROTOCOL_VERSION,
  withFlowRedirectResult,
  type FlowRedirectResult,
  type FlowResultMessage,
} from '@authpipe/contract';
import { isAllowedReturnTo } from '../../apps/url-rules';
import type { FlowFailureInfo } from '../flows/flow-failure';
import type { Random } from '../../common/random';
import { failureText, type FailureContext } from './failure-text';
import { renderPage, type RenderedPage } from './pages';

/** Where a flow reports to: taken from its connect session and its app. */
export interface CompletionTarget {
  mode: 'popup' | 'redirect';
  returnTo: string | null;
  /** The app's allowed origins: the only postMessage targets and returnTo origins. */
  allowedOrigins: readonly string[];
  /** The origin of the page that opened the popup, as seen when the flow started (its Referer). */
  openerOrigin?: string | null;
}

/** A flow's last answer to the browser. */
export type FlowResponse = { kind: 'page'; page: RenderedPage } | { kind: 'redirect'; location: string };

/** What every message of one flow shares: taken from its connect session. */
export type FlowMessageBase = Pick<
  FlowResultMessage,
  'type' | 'version' | 'correlationId' | 'provider' | 'credentialFor' | 'tenantId' | 'userId'
>;

/** The shared part of a session's messages (the correlation id is the session's id). */
export function messageBase(session: {
  id: string;
  provider: string;
  credentialFor: 'installation' | 'user';
  tenantExternalId: string;
  userId: string | null;
}): FlowMessageBase {
  return {
    type: FLOW_MESSAGE_TYPE,
    version: FLOW_PROTOCOL_VERSION,
    correlationId: session.id,
    provider: session.provider,
    credentialFor: session.credentialFor,
    tenantId: session.tenantExternalId,
    ...(session.userId !== null ? { userId: session.userId } : {}),
  };
}

// Fixed script: reads the JSON element and posts to each allowed origin by name. The browser
// delivers a message only when the opener's origin equals the target, so a page opened from any
// other origin receives nothing; '*' is never used. An opener seen to be of another origin gets
// a console message instead of silence.
const PAGE_SCRIPT = `(function(){var el=document.getElementById('authpipe-data');var d=el?JSON.parse(el.textContent):{};
if(d.openerWarning){console.error(d.openerWarning);}
if(d.result&&window.opener){for(var i=0;i<d.origins.length;i++){window.opener.postMessage(d.result,d.origins[i]);}
if(d.close){window.close();}}
var b=document.getElementById('authpipe-close');if(b){b.addEventListener('click',function(){window.close();});}})();`;

/** The console message of a page whose opener is not an allowed origin, or undefined. */
export function openerWarning(target: CompletionTarget | null): string | undefined {
  if (!target || target.mode !== 'popup' || !target.openerOrigin) return undefined;
  if (target.allowedOrigins.includes(target.openerOrigin)) return undefined;
  return (
    `Authpipe: this window was opened by ${target.openerOrigin}, which is not one of the app's allowed origins ` +
    `(${target.allowedOrigins.join(', ') || 'none'}), so the result was not posted to it. ` +
    `Add ${target.openerOrigin} to the app's allowedOrigins (PATCH /v1/apps/{id}).`
  );
}

/** The redirect-mode result of a message (error code only: the rest is in the failure event). */
export function redirectResult(message: FlowResultMessage): FlowRedirectResult | null {
  if (message.status === 'superseded') return null;
  return {
    status: message.status,
    correlationId: message.correlationId,
    provider: message.provider,
    tenantId: message.tenantId,
    ...(message.userId !== undefined ? { userId: message.userId } : {}),
    ...(message.status === 'success' && message.installationId !== undefined
      ? { installationId: message.installationId }
      : {}),
    ...(message.status === 'success' && message.connectionId !== undefined
      ? { connectionId: message.connectionId }
      : {}),
    ...(message.status === 'error' ? { error: message.error.code } : {}),
  };
}

/** The returnTo URL with the result in its query. */
export function resultUrl(returnTo: string, message: FlowResultMessage): string {
  const result = redirectResult(message);
  return result === null ? returnTo : withFlowRedirectResult(returnTo, result);
}

function redirectsBack(target: CompletionTarget | null): target is CompletionTarget & { returnTo: string } {
  return (
    target?.mode === 'redirect' && target.returnTo !== null && isAllowedReturnTo(target.returnTo, target.allowedOrigins)
  );
}

/** The result of a failure as the application receives it. */
export function failureMessage(base: FlowMessageBase, info: FlowFailureInfo): FlowResultMessage {
  return {
    ...base,
    status: 'error',
    error: {
      code: info.code,
      message: info.message,
      remediation: info.remediation,
      ...(info.aadsts !== undefined ? { aadsts: info.aadsts } : {}),
    },
  };
}

/** What the success page tells the person: what was set up, for which application, with which account. */
export interface SuccessText {
  appName: string;
  accountUpn: string | null;
}

/** Ends a successful flow: a 302 to returnTo (redirect mode) or a page that posts to the opener and closes. */
export function completeSuccess(
  target: CompletionTarget,
  message: FlowResultMessage,
  text: SuccessText,
  random: Random,
): FlowResponse {
  if (redirectsBack(target)) return { kind: 'redirect', location: resultUrl(target.returnTo, message) };
  const installation = message.credentialFor === 'installation';
  const account = text.accountUpn !== null ? ` as ${text.accountUpn}` : '';
  const warning = openerWarning(target);
  return {
    kind: 'page',
    page: renderPage(
      {
        status: 200,
        title: installation ? 'Installation complete' : 'Connection complete',
        paragraphs: [
          installation
            ? `${text.appName} is now installed in your Microsoft organisation${account}.`
            : `${text.appName} is now connected to your Microsoft account${account}.`,
          'You can close this window and return to the application.',
        ],
        closeButton: true,
        data: {
          result: message,
          origins: target.allowedOrigins,
          close: true,
          ...(warning ? { openerWarning: warning } : {}),
        },
        script: PAGE_SCRIPT,
      },
      random,
    ),
  };
}

/**
 * The page of an attempt a newer start of the same session (in the same browser) replaced: it
 * stores nothing and leaves the session to the newest window.
 */
export function completeSuperseded(
  target: CompletionTarget | null,
  message: FlowResultMessage | null,
  random: Random,
): FlowResponse {
  const posting = target !== null && target.mode === 'popup' && message !== null;
  const warning = openerWarning(target);
  return {
    kind: 'page',
    page: renderPage(
      {
        status: 409,
        title: 'This window was replaced by a newer one',
        paragraphs: [
          'You started signing in again in another window, so this one was set aside and nothing was saved here.',
          'Use the newest window to finish, and close this one.',
        ],
        closeButton: true,
        ...(posting
          ? {
              data: {
                result: message,
                origins: target.allowedOrigins,
                close: false,
                ...(warning ? { openerWarning: warning } : {}),
              },
              script: PAGE_SCRIPT,
            }
          : { data: {}, script: PAGE_SCRIPT }),
      },
      random,
    ),
  };
}

/**
 * Ends a failed flow with a page that tells the person what happened and what they can do, in
 * their words (the developers' explanation goes to the opener and the failure event), with the
 * codes for support. In popup mode the page also posts the error to the opener and stays open for
 * the person to read; in redirect mode it links back to returnTo with the error in the query.
 */
export function completeFailure(
  target: CompletionTarget | null,
  message: FlowResultMessage | null,
  info: FlowFailureInfo,
  status: number,
  random: Random,
  context: FailureContext = { credentialFor: null, appName: null },
): FlowResponse {
  const text = failureText(info, context);
  const paragraphs = [text.happened, text.nextStep];
  paragraphs.push(
    `Authpipe error code: ${info.code}.` +
      (info.aadsts !== undefined ? ` Microsoft error code: AADSTS${info.aadsts}.` : ''),
  );
  const links: { href: string; label: string }[] = [];
  if (redirectsBack(target) && message !== null) {
    links.push({ href: resultUrl(target.returnTo, message), label: 'Return to the application' });
  }
  const posting = target !== null && target.mode === 'popup' && message !== null;
  const warning = openerWarning(target);
  const what =
    context.credentialFor === 'installation'
      ? 'The installation'
      : context.credentialFor === 'user'
        ? 'The connection'
        : 'This';
  return {
    kind: 'page',
    page: renderPage(
      {
        status,
        title: `${what} could not be completed`,
        paragraphs,
        links,
        ...(posting
          ? {
              closeButton: true,
              data: {
                result: message,
                origins: target.allowedOrigins,
                close: false,
                ...(warning ? { openerWarning: warning } : {}),
              },
              script: PAGE_SCRIPT,
            }
          : {}),
      },
      random,
    ),
  };
}
