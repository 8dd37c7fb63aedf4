import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakePopup, installed, VAULT } from '../test/test-window';
import { AuthpipeProvider } from './context';
import { ConnectButton, InstallButton } from './buttons';
import type { AuthpipeConnectError } from './errors';
import { useAuthpipeConnect } from './use-authpipe-connect';

const session = { id: 'cs_1', token: 'cst_abc', url: `${VAULT}/connect/microsoft-onedrive?session=cst_abc` };

let popup: FakePopup;
let open: ReturnType<typeof vi.spyOn>;

beforeEach(() => {
  popup = new FakePopup();
  open = vi.spyOn(window, 'open').mockImplementation(() => popup as unknown as Window);
  window.sessionStorage.clear();
  window.history.replaceState(null, '', '/settings');
});
afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

function post(data: unknown): void {
  act(() => {
    window.dispatchEvent(Object.assign(new Event('message'), { data, origin: VAULT, source: popup }));
  });
}

const getSessionToken = vi.fn(() => Promise.resolve(session));

describe('InstallButton', () => {
  it('is a native button, busy and disabled while in flight, and hands the installation to onInstall', async () => {
    const onInstall = vi.fn();
    render(
      <AuthpipeProvider baseUrl={VAULT} getSessionToken={getSessionToken}>
        <InstallButton provider="microsoft-onedrive" onInstall={onInstall} className="mine" />
      </AuthpipeProvider>,
    );
    const button = screen.getByRole('button', { name: 'Install for Microsoft OneDrive' });
    expect(button.getAttribute('type')).toBe('button');
    expect(button.className).toBe('authpipe-button authpipe-button--install mine');
    expect(button.getAttribute('aria-busy')).toBe('false');
    button.focus();
    fireEvent.click(button);
    expect(open).toHaveBeenCalledTimes(1);
    expect(button.getAttribute('aria-busy')).toBe('true');
    expect((button as HTMLButtonElement).disabled).toBe(true);
    expect(button.textContent).toBe('Connecting to Microsoft OneDrive…');
    await vi.waitFor(() => expect(popup.location.href).toContain('mode=popup'));
    expect(button.getAttribute('data-authpipe-status')).toBe('in_popup');
    // The person's focus went to the popup; the page's focus is nowhere.
    button.blur();
    post(installed);
    await vi.waitFor(() => expect(onInstall).toHaveBeenCalledTimes(1));
    expect(onInstall).toHaveBeenCalledWith({
      provider: 'microsoft-onedrive',
      tenantId: 'org_acme',
      installationId: 'ins_1',
    });
    // The callback runs before React renders the state it set: wait for the render.
    await vi.waitFor(() => expect(document.activeElement).toBe(button));
    expect(button.getAttribute('aria-busy')).toBe('false');
    expect((button as HTMLButtonElement).disabled).toBe(false);
  });

  it('reports window_closed to onError and becomes usable again', async () => {
    const onError = vi.fn();
    render(
      <AuthpipeProvider baseUrl={VAULT} getSessionToken={getSessionToken}>
        <InstallButton provider="microsoft-onedrive" onError={onError} />
      </AuthpipeProvider>,
    );
    const button = screen.getByRole('button');
    fireEvent.click(button);
    await vi.waitFor(() => expect(popup.location.href).toContain('mode=popup'));
    popup.closed = true;
    await vi.waitFor(() => expect(onError).toHaveBeenCalledTimes(1), { timeout: 5000 });
    expect((onError.mock.calls[0]?.[0] as AuthpipeConnectError).code).toBe('window_closed');
    // The callback runs before React renders the state it set: wait for the render.
    await vi.waitFor(() => expect((button as HTMLButtonElement).disabled).toBe(false));
  });

  it('takes labels from the provider and the button, and children at rest', () => {
    render(
      <AuthpipeProvider
        baseUrl={VAULT}
        getSessionToken={getSessionToken}
        labels={{ connect: (name) => `Verbinden mit ${name}`, providerNames: { 'microsoft-onedrive': 'OneDrive' } }}
      >
        <ConnectButton provider="microsoft-onedrive" />
        <InstallButton provider="microsoft-onedrive" labels={{ install: (name) => `Installer ${name}` }} />
        <InstallButton provider="microsoft-onedrive">
          <span>Custom</span>
        </InstallButton>
      </AuthpipeProvider>,
    );
    expect(screen.getByRole('button', { name: 'Verbinden mit OneDrive' }).className).toContain(
      'authpipe-button--connect',
    );
    screen.getByRole('button', { name: 'Installer OneDrive' });
    screen.getByRole('button', { name: 'Custom' });
  });

  it('reports the result of a redirect-mode flow this page started, once, and cleans the address bar', async () => {
    window.sessionStorage.setItem(
      'authpipe:pending-flow',
      JSON.stringify({ provider: 'microsoft-onedrive', credentialFor: 'installation' }),
    );
    window.history.replaceState(
      null,
      '',
      '/settings?tab=storage&status=success&correlationId=cs_9&provider=microsoft-onedrive&tenantId=org_acme&installationId=ins_9',
    );
    const onInstall = vi.fn();
    const onConnect = vi.fn();
    render(
      <AuthpipeProvider baseUrl={VAULT} getSessionToken={getSessionToken}>
        <ConnectButton provider="microsoft-onedrive" onConnect={onConnect} />
        <InstallButton provider="microsoft-onedrive" onInstall={onInstall} />
      </AuthpipeProvider>,
    );
    await vi.waitFor(() => expect(onInstall).toHaveBeenCalledTimes(1));
    expect(onInstall).toHaveBeenCalledWith({
      provider: 'microsoft-onedrive',
      tenantId: 'org_acme',
      installationId: 'ins_9',
    });
    expect(onConnect).not.toHaveBeenCalled();
    expect(window.location.search).toBe('?tab=storage');
    expect(window.sessionStorage.getItem('authpipe:pending-flow')).toBeNull();
  });

  it('ignores a result in the address bar that this page did not start, or of another connect session', () => {
    const returnedTo = (pending: Record<string, string> | null): ReturnType<typeof vi.fn> => {
      cleanup();
      window.sessionStorage.clear();
      if (pending !== null) window.sessionStorage.setItem('authpipe:pending-flow', JSON.stringify(pending));
      window.history.replaceState(
        null,
        '',
        '/settings?status=success&correlationId=cs_9&provider=microsoft-onedrive&tenantId=org_acme&installationId=ins_9',
      );
      const onInstall = vi.fn();
      render(
        <AuthpipeProvider baseUrl={VAULT} getSessionToken={getSessionToken}>
          <InstallButton provider="microsoft-onedrive" onInstall={onInstall} />
        </AuthpipeProvider>,
      );
      return onInstall;
    };
    expect(returnedTo(null)).not.toHaveBeenCalled();
    expect(window.location.search).toContain('installationId=ins_9');
    const pending = { provider: 'microsoft-onedrive', credentialFor: 'installation', correlationId: 'cs_1' };
    expect(returnedTo(pending)).not.toHaveBeenCalled();
    expect(window.location.search).toContain('installationId=ins_9');
    expect(window.sessionStorage.getItem('authpipe:pending-flow')).not.toBeNull();
  });
});

describe('useAuthpipeConnect', () => {
  function Custom({ onError }: { onError: (error: AuthpipeConnectError) => void }) {
    const { start, busy, status } = useAuthpipeConnect({
      provider: 'microsoft-onedrive',
      credentialFor: 'user',
      onError,
    });
    return (
      <button type="button" onClick={start} disabled={busy} data-status={status}>
        Mine
      </button>
    );
  }

  it('drives a custom button and passes the vault error code on', async () => {
    const onError = vi.fn();
    render(
      <AuthpipeProvider baseUrl={VAULT} getSessionToken={getSessionToken}>
        <Custom onError={onError} />
      </AuthpipeProvider>,
    );
    const button = screen.getByRole('button', { name: 'Mine' });
    fireEvent.click(button);
    await vi.waitFor(() => expect(button.getAttribute('data-status')).toBe('in_popup'));
    post({
      ...installed,
      credentialFor: 'user',
      status: 'error',
      installationId: undefined,
      error: { code: 'access_denied', message: 'No.', remediation: 'Retry.' },
    });
    await vi.waitFor(() => expect(onError).toHaveBeenCalledTimes(1));
    expect(onError.mock.calls[0]?.[0]).toMatchObject({ code: 'access_denied', remediation: 'Retry.' });
    await vi.waitFor(() => expect(button.getAttribute('data-status')).toBe('error'));
  });

  it('cancels its flow and closes the popup when the component unmounts, reporting nothing', async () => {
    const onError = vi.fn();
    const { unmount } = render(
      <AuthpipeProvider baseUrl={VAULT} getSessionToken={getSessionToken}>
        <Custom onError={onError} />
      </AuthpipeProvider>,
    );
    fireEvent.click(screen.getByRole('button'));
    unmount();
    expect(popup.closed).toBe(true);
    await Promise.resolve();
    expect(onError).not.toHaveBeenCalled();
  });

  it('explains what is missing outside a provider', () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    expect(() => render(<InstallButton provider="microsoft-onedrive" />)).toThrow(/inside <AuthpipeProvider/);
  });
});
