// The flow without React: open the popup in the click's own task (so popup blockers, which only
// allow window.open during a user gesture, let it through), ask the host's backend for a connect
// session meanwhile, then point the popup at the vault and wait for the vault's last page to post
// the result. Blocked popups fall back to redirect mode.
import {
  parseFlowResultMessage,
  type FlowRedirectResult,
  type FlowResultMessage,
} from '@authpipe/contract/flow-protocol';
import { AuthpipeConnectError } from './errors';
import { rememberPendingFlow, returnToOf } from './redirect-return';
import { sessionUrl, type CredentialFor, type GetSessionToken, type OpenableSession } from './session';

/** What a finished flow resolves with. */
export interface FlowSuccess {
  provider: string;
  tenantId: string;
  userId?: string;
  installationId?: string;
  connectionId?: string;
  /** The Microsoft account stored, when the vault reports it. */
  account?: { upn: string | null; tid?: string };
}

/** Where a running flow is. */
export type FlowPhase = 'requesting_session' | 'in_popup' | 'redirecting';

export interface ConnectFlowOptions {
  /** The vault's public URL (`https://vault.example.com`). */
  baseUrl: string;
  getSessionToken: GetSessionToken;
  provider: string;
  credentialFor: CredentialFor;
  /** What to do when the browser blocks the popup: send this page to the flow (default) or report `blocked_by_browser`. */
  fallback?: 'redirect' | 'none';
  /** Popup size in CSS pixels. */
  popupSize?: { width: number; height: number };
  /** How often to check whether the person closed the popup; default 500 ms. */
  closedPollMs?: number;
  /**
   * How long a closed popup may still deliver its result (its page posts, then closes itself:
   * the message can arrive after `closed` turns true); default 500 ms.
   */
  closedGraceMs?: number;
  onPhase?: (phase: FlowPhase) => void;
  /** The window to run in; default `window` (tests pass their own). */
  win?: Window;
}

/** A running flow. */
export interface ConnectFlow {
  /**
   * Resolves with the stored installation or connection; rejects with {@link AuthpipeConnectError}.
   * Never settles once the page is being sent away in redirect mode (phase `redirecting`).
   */
  readonly result: Promise<FlowSuccess>;
  /** Stops waiting, closes the popup and rejects with `cancelled` (no effect once settled). */
  cancel(): void;
}

const POPUP_NAME = 'authpipe_connect';

function popupFeatures(win: Window, size: { width: number; height: number }): string {
  // Centred over the opener, where screen coordinates are known.
  const left = Math.max(0, Math.round((win.screenX ?? 0) + ((win.outerWidth ?? size.width) - size.width) / 2));
  const top = Math.max(0, Math.round((win.screenY ?? 0) + ((win.outerHeight ?? size.height) - size.height) / 2));
  return `popup=yes,width=${size.width},height=${size.height},left=${left},top=${top}`;
}

/** How a flow ended, as a popup's message or a redirect's query reported it. */
export type FlowEnd = FlowResultMessage | FlowRedirectResult;

type Outcome = { ok: true; value: FlowSuccess } | { ok: false; error: AuthpipeConnectError };

/**
 * The outcome of a flow's end: success, or the vault's error. Null for an end that settles
 * nothing: a superseded attempt (a newer window carries on), a success naming no record, an
 * error without a code.
 */
export function settle(end: FlowEnd): Outcome | null {
  switch (end.status) {
    case 'error': {
      // A redirect carries the error code only; a popup's message the whole explanation.
      const error = typeof end.error === 'string' ? { code: end.error } : end.error;
      if (error === undefined || error.code === '') return null;
      return { ok: false, error: AuthpipeConnectError.fromFlow(error) };
    }
    case 'success':
      if (end.installationId === undefined && end.connectionId === undefined) return null;
      return {
        ok: true,
        value: {
          provider: end.provider,
          tenantId: end.tenantId,
          ...(end.userId !== undefined ? { userId: end.userId } : {}),
          ...(end.installationId !== undefined ? { installationId: end.installationId } : {}),
          ...(end.connectionId !== undefined ? { connectionId: end.connectionId } : {}),
          ...('account' in end && end.account !== undefined ? { account: end.account } : {}),
        },
      };
    case 'superseded':
      return null;
  }
}

/**
 * Starts a flow. Call it synchronously from the click (or key) handler: the popup is opened
 * before anything is awaited.
 */
export function startConnectFlow(options: ConnectFlowOptions): ConnectFlow {
  const win = options.win ?? window;
  const { provider, credentialFor } = options;
  const pollMs = options.closedPollMs ?? 500;
  const graceMs = options.closedGraceMs ?? 500;
  let resolve!: (value: FlowSuccess) => void;
  let reject!: (error: AuthpipeConnectError) => void;
  const result = new Promise<FlowSuccess>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  let settled = false;
  const cleanups: (() => void)[] = [];
  const finish = (outcome: Outcome): void => {
    if (settled) return;
    settled = true;
    for (const cleanup of cleanups.splice(0)) cleanup();
    if (outcome.ok) resolve(outcome.value);
    else reject(outcome.error);
  };
  const fail = (error: AuthpipeConnectError): void => finish({ ok: false, error });

  const popup = win.open(
    'about:blank',
    POPUP_NAME,
    popupFeatures(win, options.popupSize ?? { width: 520, height: 680 }),
  );
  const blocked = popup === null || popup.closed;

  const requestSession = async (mode: 'popup' | 'redirect'): Promise<OpenableSession> => {
    options.onPhase?.('requesting_session');
    let answer;
    try {
      answer = await options.getSessionToken({ provider, credentialFor, mode, returnTo: returnToOf(win) });
    } catch (cause) {
      throw new AuthpipeConnectError('session_unavailable', 'Could not get a connect session from the application.', {
        remediation: 'Check the getSessionToken function and the backend route it calls.',
        cause,
      });
    }
    const session = sessionUrl(options.baseUrl, provider, answer, mode);
    if (session === null) {
      throw new AuthpipeConnectError(
        'session_unavailable',
        'getSessionToken answered with neither a session token nor a URL.',
        {
          remediation: 'Return the answer of POST /v1/connect-sessions ({token, url}) from getSessionToken.',
        },
      );
    }
    return session;
  };

  if (blocked) {
    if (options.fallback === 'none') {
      fail(
        new AuthpipeConnectError('blocked_by_browser', 'The browser blocked the popup.', {
          remediation: 'Allow popups for this site, or let the flow fall back to redirect mode.',
        }),
      );
    } else {
      requestSession('redirect').then(
        (session) => {
          if (settled) return;
          options.onPhase?.('redirecting');
          rememberPendingFlow(win, {
            provider,
            credentialFor,
            ...(session.id !== undefined ? { correlationId: session.id } : {}),
          });
          // The page leaves; its result comes back in the returnTo query (see redirect-return.ts).
          win.location.assign(session.url.toString());
        },
        (error: AuthpipeConnectError) => fail(error),
      );
    }
    return { result, cancel: () => fail(cancelled()) };
  }

  const openPopup = popup;
  cleanups.push(() => {
    // The failure page stays open so the person can read it; every other end closes the popup.
    if (!keepPopupOpen && !openPopup.closed) openPopup.close();
  });
  let keepPopupOpen = false;
  try {
    // A word in the empty popup while the session is requested (same origin until navigated).
    openPopup.document.title = 'Connecting…';
  } catch {
    // Not ours to write (a browser that opened it cross-origin): harmless.
  }

  let expected: { origin: string; correlationId: string | undefined } | null = null;
  const onMessage = (event: MessageEvent): void => {
    if (expected === null || event.origin !== expected.origin) return;
    // Only the popup this flow opened speaks for it: a message from another window (another tab
    // of the vault, a frame) is not this flow's, even from the vault's origin.
    if (event.source !== openPopup) return;
    const message = parseFlowResultMessage(event.data);
    if (message === null || message.provider !== provider) return;
    // The correlation id is the connect session's id, known when the backend answered with it.
    if (expected.correlationId !== undefined && message.correlationId !== expected.correlationId) return;
    // Null for an older attempt of this session, replaced by a newer window: the newer one carries on.
    const outcome = settle(message);
    if (outcome === null) return;
    keepPopupOpen = !outcome.ok;
    finish(outcome);
  };
  win.addEventListener('message', onMessage);
  cleanups.push(() => win.removeEventListener('message', onMessage));

  let closedSince: number | null = null;
  const timer = win.setInterval(() => {
    if (!openPopup.closed) return;
    const now = Date.now();
    closedSince ??= now;
    if (now - closedSince >= graceMs) {
      fail(new AuthpipeConnectError('window_closed', 'The window was closed before the connection finished.'));
    }
  }, pollMs);
  cleanups.push(() => win.clearInterval(timer));

  requestSession('popup').then(
    (session) => {
      if (settled) return;
      expected = { origin: session.url.origin, correlationId: session.id };
      options.onPhase?.('in_popup');
      openPopup.location.href = session.url.toString();
    },
    (error: AuthpipeConnectError) => fail(error),
  );

  return { result, cancel: () => fail(cancelled()) };
}

function cancelled(): AuthpipeConnectError {
  return new AuthpipeConnectError('cancelled', 'The connection was cancelled by the page.');
}
