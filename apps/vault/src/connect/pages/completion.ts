import { isAllowedReturnTo } from '../../apps/url-rules';
import type { FlowFailureInfo } from '../flows/flow-failure';
import type { Random } from '../../common/random';
import { renderPage, type RenderedPage } from './pages';

/** What a finished flow tells the application (posted to the opener, or put in the returnTo query). */
export interface FlowResult {
  status: 'success' | 'error';
  provider: string;
  /** The project's id for the tenant. */
  tenantId: string;
  userId?: string;
  installationId?: string;
  connectionId?: string;
  error?: { code: string; message: string; remediation: string; aadsts?: number };
}

/** Where a flow reports to: taken from its connect session and its app. */
export interface CompletionTarget {
  mode: 'popup' | 'redirect';
  returnTo: string | null;
  /** The app's allowed origins: the only postMessage targets and returnTo origins. */
  allowedOrigins: readonly string[];
}

/** A flow's last answer to the browser. */
export type FlowResponse = { kind: 'page'; page: RenderedPage } | { kind: 'redirect'; location: string };

// Fixed script: reads the JSON element and posts to each allowed origin by name. The browser
// delivers a message only when the opener's origin equals the target, so a page opened from any
// other origin receives nothing; '*' is never used.
const POST_SCRIPT = `(function(){var d=JSON.parse(document.getElementById('authpipe-data').textContent);
if(window.opener){for(var i=0;i<d.origins.length;i++){window.opener.postMessage(d.result,d.origins[i]);}
if(d.close){window.close();}}})();`;

/** The returnTo URL with the result in its query. */
export function resultUrl(returnTo: string, result: FlowResult): string {
  const url = new URL(returnTo);
  url.searchParams.set('status', result.status);
  url.searchParams.set('provider', result.provider);
  url.searchParams.set('tenantId', result.tenantId);
  if (result.userId !== undefined) url.searchParams.set('userId', result.userId);
  if (result.installationId !== undefined) url.searchParams.set('installationId', result.installationId);
  if (result.connectionId !== undefined) url.searchParams.set('connectionId', result.connectionId);
  if (result.error !== undefined) url.searchParams.set('error', result.error.code);
  return url.toString();
}

/** The result of a failure as the application receives it. */
export function failureResult(
  base: Pick<FlowResult, 'provider' | 'tenantId' | 'userId'>,
  info: FlowFailureInfo,
): FlowResult {
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

/** Ends a successful flow: a 302 to returnTo (redirect mode) or a page that posts to the opener and closes. */
export function completeSuccess(
  target: CompletionTarget,
  result: FlowResult,
  what: string,
  random: Random,
): FlowResponse {
  if (
    target.mode === 'redirect' &&
    target.returnTo !== null &&
    isAllowedReturnTo(target.returnTo, target.allowedOrigins)
  ) {
    return { kind: 'redirect', location: resultUrl(target.returnTo, result) };
  }
  return {
    kind: 'page',
    page: renderPage(
      {
        status: 200,
        title: `${what} complete`,
        paragraphs: [`${what} is complete. You can close this window and return to the application.`],
        data: { result, origins: target.allowedOrigins, close: true },
        script: POST_SCRIPT,
      },
      random,
    ),
  };
}

/**
 * Ends a failed flow with a page explaining it (Microsoft's error in plain words) and a way back.
 * In popup mode the page also posts the error to the opener and stays open for the person to read;
 * in redirect mode it links back to returnTo with the error in the query.
 */
export function completeFailure(
  target: CompletionTarget | null,
  result: FlowResult | null,
  info: FlowFailureInfo,
  status: number,
  random: Random,
): FlowResponse {
  const paragraphs = [info.message, info.remediation];
  if (info.aadsts !== undefined) paragraphs.push(`Microsoft error code: AADSTS${info.aadsts}.`);
  paragraphs.push(`Authpipe error code: ${info.code}.`);
  const links: { href: string; label: string }[] = [];
  const redirectBack =
    target?.mode === 'redirect' &&
    target.returnTo !== null &&
    isAllowedReturnTo(target.returnTo, target.allowedOrigins);
  if (redirectBack && result !== null) {
    links.push({
      href: resultUrl(target.returnTo!, result),
      label: 'Return to the application to try again (it will start a new connect session)',
    });
  } else {
    paragraphs.push('To try again, start over from the application: each attempt needs a new connect session.');
  }
  const posting = target !== null && target.mode === 'popup' && result !== null;
  return {
    kind: 'page',
    page: renderPage(
      {
        status,
        title: 'The connection could not be completed',
        paragraphs,
        links,
        ...(posting ? { data: { result, origins: target.allowedOrigins, close: false }, script: POST_SCRIPT } : {}),
      },
      random,
    ),
  };
}
