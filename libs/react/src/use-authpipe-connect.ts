import { useCallback, useEffect, useRef, useState } from 'react';
import { useAuthpipeConfig } from './context';
import { settle, startConnectFlow, type ConnectFlow, type FlowSuccess } from './connect-flow';
import { AuthpipeConnectError } from './errors';
import { takeRedirectResult } from './redirect-return';
import type { CredentialFor } from './session';

/**
 * Where a flow started by {@link useAuthpipeConnect} is:
 * `idle` → `requesting_session` → `in_popup` → `success` | `error`, or
 * `requesting_session` → `redirecting` when the popup was blocked (the page then leaves).
 */
export type ConnectStatus = 'idle' | 'requesting_session' | 'in_popup' | 'redirecting' | 'success' | 'error';

/** Options of {@link useAuthpipeConnect}. */
export interface UseAuthpipeConnectOptions {
  provider: string;
  credentialFor: CredentialFor;
  /** Called with the stored installation or connection (also after a redirect-mode flow returns to this page). */
  onSuccess?: (result: FlowSuccess) => void;
  /** Called with a stable code: `window_closed`, `blocked_by_browser`, `session_unavailable`, or the vault's flow error code. */
  onError?: (error: AuthpipeConnectError) => void;
  /** Overrides the provider's `fallback` for this flow. */
  fallback?: 'redirect' | 'none';
}

/** What {@link useAuthpipeConnect} returns. */
export interface AuthpipeConnect {
  /** Starts the flow. Call it directly in a click handler: the popup opens before anything is awaited. */
  start: () => void;
  /** Stops a flow in progress (closes its popup; `onError` gets `cancelled`). */
  cancel: () => void;
  status: ConnectStatus;
  /** True from `start` until the flow ends (or the page leaves in redirect mode). */
  busy: boolean;
  result: FlowSuccess | null;
  error: AuthpipeConnectError | null;
}

/**
 * The install/connect flow for custom buttons: `start` in the click handler, `busy` for the
 * button's `disabled` and `aria-busy`. Picks up the result of a redirect-mode flow this page
 * started for the same provider and credential kind when the browser comes back.
 */
export function useAuthpipeConnect(options: UseAuthpipeConnectOptions): AuthpipeConnect {
  const config = useAuthpipeConfig();
  const [status, setStatus] = useState<ConnectStatus>('idle');
  const [result, setResult] = useState<FlowSuccess | null>(null);
  const [error, setError] = useState<AuthpipeConnectError | null>(null);
  const flow = useRef<ConnectFlow | null>(null);
  const mounted = useRef(false);
  const current = useRef<object | null>(null);
  // The latest callbacks, so a flow started earlier reports to the current ones.
  const latest = useRef(options);
  latest.current = options;

  const succeed = useCallback((value: FlowSuccess) => {
    if (!mounted.current) return;
    setResult(value);
    setError(null);
    setStatus('success');
    latest.current.onSuccess?.(value);
  }, []);
  const failWith = useCallback((reason: AuthpipeConnectError) => {
    if (!mounted.current) return;
    setError(reason);
    setStatus('error');
    latest.current.onError?.(reason);
  }, []);

  // Declared first: effects run in order, and the redirect pick-up below reports through `mounted`.
  // A flow outlives no component: unmounting cancels it (closing its popup) and reports nothing.
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
      flow.current?.cancel();
      flow.current = null;
    };
  }, []);

  const { provider, credentialFor } = options;
  useEffect(() => {
    const returned = takeRedirectResult(window, provider, credentialFor);
    const outcome = returned === null ? null : settle(returned);
    if (outcome === null) return;
    if (outcome.ok) succeed(outcome.value);
    else failWith(outcome.error);
  }, [provider, credentialFor, succeed, failWith]);

  const start = useCallback(() => {
    if (flow.current !== null) return;
    setError(null);
    setResult(null);
    setStatus('requesting_session');
    const { fallback } = latest.current;
    // Phases reach the state only while this flow is the current one (set right below: the first
    // phase is reported before startConnectFlow returns).
    const token = {};
    current.current = token;
    const running = startConnectFlow({
      baseUrl: config.baseUrl,
      getSessionToken: config.getSessionToken,
      provider,
      credentialFor,
      fallback: fallback ?? config.fallback,
      onPhase: (phase) => {
        if (current.current === token && mounted.current) setStatus(phase);
      },
    });
    flow.current = running;
    running.result.then(
      (value) => {
        flow.current = null;
        succeed(value);
      },
      (reason: unknown) => {
        flow.current = null;
        failWith(
          reason instanceof AuthpipeConnectError
            ? reason
            : new AuthpipeConnectError('session_unavailable', 'The connection could not start.', { cause: reason }),
        );
      },
    );
  }, [config, provider, credentialFor, succeed, failWith]);

  const cancel = useCallback(() => flow.current?.cancel(), []);

  const busy = status === 'requesting_session' || status === 'in_popup' || status === 'redirecting';
  return { start, cancel, status, busy, result, error };
}
