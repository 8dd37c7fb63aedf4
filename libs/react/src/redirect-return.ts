// Redirect mode: before sending the page to the vault, the SDK notes which flow it started in
// sessionStorage; when the vault sends the browser back to returnTo with the result in the query,
// the matching hook picks the result up, removes it from the address bar and reports it.
import {
  parseFlowRedirectResult,
  withoutFlowRedirectResult,
  type FlowRedirectResult,
} from '@authpipe/contract/flow-protocol';
import type { CredentialFor } from './session';

const PENDING_KEY = 'authpipe:pending-flow';

/** The flow a page left for: read back when the browser returns. */
export interface PendingFlow {
  provider: string;
  credentialFor: CredentialFor;
  correlationId?: string;
}

function storage(win: Window): Storage | null {
  try {
    return win.sessionStorage;
  } catch {
    // Storage can be denied (sandboxed iframes, privacy settings): the redirect still works,
    // only the automatic pick-up of its result does not.
    return null;
  }
}

/** Remembers the flow a redirect is about to start. */
export function rememberPendingFlow(win: Window, flow: PendingFlow): void {
  storage(win)?.setItem(PENDING_KEY, JSON.stringify(flow));
}

function readPending(win: Window): PendingFlow | null {
  const raw = storage(win)?.getItem(PENDING_KEY);
  if (raw == null) return null;
  try {
    const value = JSON.parse(raw) as Partial<PendingFlow>;
    if (typeof value.provider !== 'string') return null;
    if (value.credentialFor !== 'installation' && value.credentialFor !== 'user') return null;
    return {
      provider: value.provider,
      credentialFor: value.credentialFor,
      ...(typeof value.correlationId === 'string' ? { correlationId: value.correlationId } : {}),
    };
  } catch {
    return null;
  }
}

/**
 * The result of a redirect-mode flow this page started for (provider, credentialFor), taken out
 * of the address bar and storage so it is reported once; null when there is none. A result in the
 * query with no pending flow of this page is ignored: anyone can put one in a link.
 */
export function takeRedirectResult(
  win: Window,
  provider: string,
  credentialFor: CredentialFor,
): FlowRedirectResult | null {
  const pending = readPending(win);
  if (pending === null || pending.provider !== provider || pending.credentialFor !== credentialFor) return null;
  const url = new URL(win.location.href);
  const result = parseFlowRedirectResult(url.searchParams);
  if (result === null || result.provider !== provider) return null;
  if (pending.correlationId !== undefined && pending.correlationId !== result.correlationId) return null;
  storage(win)?.removeItem(PENDING_KEY);
  win.history.replaceState(win.history.state, '', withoutFlowRedirectResult(url).toString());
  return result;
}

/** This page's address without a previous flow's result: the returnTo of a new flow. */
export function returnToOf(win: Window): string {
  const url = withoutFlowRedirectResult(new URL(win.location.href));
  url.hash = '';
  return url.toString();
}
