import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { installed, PAGE, testWindow, VAULT, type TestWindow } from '../test/test-window';
import { startConnectFlow, type ConnectFlowOptions } from './connect-flow';
import type { AuthpipeConnectError } from './errors';
import type { SessionAnswer, SessionRequest } from './session';

const session = { id: 'cs_1', token: 'cst_abc', url: `${VAULT}/connect/microsoft-onedrive?session=cst_abc` };

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function start(t: TestWindow, options: Partial<ConnectFlowOptions> = {}) {
  const answer = deferred<SessionAnswer>();
  const getSessionToken = vi.fn((_request: SessionRequest) => answer.promise);
  const flow = startConnectFlow({
    baseUrl: VAULT,
    getSessionToken,
    provider: 'microsoft-onedrive',
    credentialFor: 'installation',
    win: t.win,
    ...options,
  });
  return { flow, answer, getSessionToken };
}

async function rejection(promise: Promise<unknown>): Promise<AuthpipeConnectError> {
  try {
    await promise;
  } catch (error) {
    return error as AuthpipeConnectError;
  }
  throw new Error('expected the flow to fail');
}

describe('startConnectFlow', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('opens the popup before anything is awaited, then points it at the session with mode=popup', async () => {
    const t = testWindow();
    const { flow, answer, getSessionToken } = start(t);
    // Synchronously, in the click's own task: what popup blockers allow.
    expect(t.open).toHaveBeenCalledTimes(1);
    expect(t.open.mock.calls[0]?.[0]).toBe('about:blank');
    expect(getSessionToken).toHaveBeenCalledWith({
      provider: 'microsoft-onedrive',
      credentialFor: 'installation',
      mode: 'popup',
      returnTo: PAGE,
    });
    answer.resolve(session);
    await vi.waitFor(() => expect(t.popup.location.href).not.toBe('about:blank'));
    const url = new URL(t.popup.location.href);
    expect(url.origin + url.pathname).toBe(`${VAULT}/connect/microsoft-onedrive`);
    expect(url.searchParams.get('session')).toBe('cst_abc');
    expect(url.searchParams.get('mode')).toBe('popup');
    t.post(installed);
    await expect(flow.result).resolves.toEqual({
      provider: 'microsoft-onedrive',
      tenantId: 'org_acme',
      installationId: 'ins_1',
    });
  });

  it('builds the flow URL from a bare token and the base URL', async () => {
    const t = testWindow();
    const { answer } = start(t, { baseUrl: `${VAULT}/vault` });
    answer.resolve('cst_xyz');
    await vi.waitFor(() =>
      expect(t.popup.location.href).toBe(`${VAULT}/vault/connect/microsoft-onedrive?session=cst_xyz&mode=popup`),
    );
  });

  it('ignores messages from other origins, other windows, other sessions, superseded attempts and other data', async () => {
    const t = testWindow();
    const { flow, answer } = start(t);
    let settled = false;
    void flow.result.then(() => (settled = true));
    answer.resolve(session);
    await vi.waitFor(() => expect(t.popup.location.href).not.toBe('about:blank'));
    t.post(installed, 'https://evil.test');
    t.post(installed, VAULT, {});
    t.post({ ...installed, correlationId: 'cs_other' });
    t.post({ ...installed, status: 'superseded' });
    t.post({ ...installed, provider: 'google-drive' });
    t.post({ ...installed, type: undefined, version: undefined });
    t.post({ ...installed, version: 2 });
    t.post('hello');
    await vi.advanceTimersByTimeAsync(100);
    expect(settled).toBe(false);
    t.post(installed);
    await expect(flow.result).resolves.toMatchObject({ installationId: 'ins_1' });
    expect(t.popup.closed).toBe(true);
  });

  it("rejects with the vault's error code and leaves its explanation open", async () => {
    const t = testWindow();
    const { flow, answer } = start(t);
    answer.resolve(session);
    await vi.waitFor(() => expect(t.popup.location.href).not.toBe('about:blank'));
    t.post({
      ...installed,
      status: 'error',
      installationId: undefined,
      error: {
        code: 'admin_consent_denied',
        message: 'The admin declined.',
        remediation: 'Ask an admin.',
        aadsts: 65004,
      },
    });
    const error = await rejection(flow.result);
    expect(error).toMatchObject({ code: 'admin_consent_denied', remediation: 'Ask an admin.', aadsts: 65004 });
    expect(t.popup.closed).toBe(false);
  });

  it('reports window_closed when the person closes the popup', async () => {
    const t = testWindow();
    const { flow, answer } = start(t, { closedPollMs: 100, closedGraceMs: 300 });
    answer.resolve(session);
    const failed = rejection(flow.result);
    await vi.advanceTimersByTimeAsync(1000);
    t.popup.closed = true;
    await vi.advanceTimersByTimeAsync(1000);
    expect((await failed).code).toBe('window_closed');
  });

  it('still takes a result that arrives just after the popup closed itself', async () => {
    const t = testWindow();
    const { flow, answer } = start(t, { closedPollMs: 100, closedGraceMs: 300 });
    answer.resolve(session);
    await vi.waitFor(() => expect(t.popup.location.href).not.toBe('about:blank'));
    t.popup.closed = true;
    await vi.advanceTimersByTimeAsync(200);
    t.post(installed);
    await expect(flow.result).resolves.toMatchObject({ installationId: 'ins_1' });
  });

  it('falls back to redirect mode when the popup is blocked, remembering the flow for the way back', async () => {
    const t = testWindow({ blocked: true });
    const phases: string[] = [];
    const { answer, getSessionToken } = start(t, { onPhase: (phase) => phases.push(phase) });
    expect(getSessionToken).toHaveBeenCalledWith(expect.objectContaining({ mode: 'redirect', returnTo: PAGE }));
    answer.resolve(session);
    await vi.waitFor(() => expect(t.assign).toHaveBeenCalledTimes(1));
    const url = new URL(t.assign.mock.calls[0]?.[0] as string);
    expect(url.searchParams.get('mode')).toBe('redirect');
    expect(url.searchParams.get('session')).toBe('cst_abc');
    expect(phases).toEqual(['requesting_session', 'redirecting']);
    expect(JSON.parse(t.storage.get('authpipe:pending-flow')!)).toEqual({
      provider: 'microsoft-onedrive',
      credentialFor: 'installation',
      correlationId: 'cs_1',
    });
  });

  it('reports blocked_by_browser without asking for a session when redirect mode is off', async () => {
    const t = testWindow({ blocked: true });
    const { flow, getSessionToken } = start(t, { fallback: 'none' });
    expect((await rejection(flow.result)).code).toBe('blocked_by_browser');
    expect(getSessionToken).not.toHaveBeenCalled();
  });

  it('reports session_unavailable and closes the popup when the backend fails', async () => {
    const t = testWindow();
    const { flow, answer } = start(t);
    answer.reject(new Error('HTTP 500'));
    expect((await rejection(flow.result)).code).toBe('session_unavailable');
    expect(t.popup.closed).toBe(true);
  });

  it('reports session_unavailable for an answer with neither token nor URL', async () => {
    const t = testWindow();
    const { flow, answer } = start(t);
    answer.resolve({ id: 'cs_1' });
    expect((await rejection(flow.result)).code).toBe('session_unavailable');
  });

  it('cancel closes the popup and stops listening', async () => {
    const t = testWindow();
    const { flow, answer } = start(t);
    answer.resolve(session);
    await vi.waitFor(() => expect(t.popup.location.href).not.toBe('about:blank'));
    flow.cancel();
    expect((await rejection(flow.result)).code).toBe('cancelled');
    expect(t.popup.closed).toBe(true);
  });
});
