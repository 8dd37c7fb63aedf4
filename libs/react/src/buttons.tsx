import { useEffect, useRef, type ButtonHTMLAttributes, type ReactNode } from 'react';
import { useAuthpipeConfig } from './context';
import type { FlowSuccess } from './connect-flow';
import type { AuthpipeConnectError } from './errors';
import { mergeLabels, type AuthpipeLabels } from './labels';
import type { CredentialFor } from './session';
import { useAuthpipeConnect } from './use-authpipe-connect';

/** What `onInstall` receives: the stored installation. */
export type AuthpipeInstallation = FlowSuccess & { installationId: string };
/** What `onConnect` receives: the stored connection of one user. */
export type AuthpipeConnection = FlowSuccess & { connectionId: string };

type NativeProps = Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'onClick' | 'onError' | 'type' | 'children'>;

interface CommonProps extends NativeProps {
  /** Provider id, e.g. `microsoft-onedrive`. */
  provider: string;
  /** Called with a stable code: `window_closed`, `blocked_by_browser`, `session_unavailable`, or the vault's flow error code. */
  onError?: (error: AuthpipeConnectError) => void;
  /** Texts of this button (over the provider's). */
  labels?: Partial<AuthpipeLabels>;
  /** Content at rest instead of the label (the busy label still replaces it while in flight). */
  children?: ReactNode;
  /** Overrides the provider's popup-blocked behaviour for this button. */
  fallback?: 'redirect' | 'none';
}

/** Props of {@link InstallButton}. */
export interface InstallButtonProps extends CommonProps {
  /** Called with the installation once an admin has installed the app. */
  onInstall?: (installation: AuthpipeInstallation) => void;
}

/** Props of {@link ConnectButton}. */
export interface ConnectButtonProps extends CommonProps {
  /** Called with the connection once the user has authorized. */
  onConnect?: (connection: AuthpipeConnection) => void;
}

/**
 * A native `<button>` running the flow: disabled and `aria-busy` while in flight, focus back on it
 * when the flow ends. Unstyled: classes `authpipe-button` and `authpipe-button--install|connect`,
 * `data-authpipe-status`, and your `className`; `@authpipe/react/styles.css` is an optional theme
 * driven by CSS variables.
 */
function FlowButton({
  provider,
  credentialFor,
  onSuccess,
  onError,
  labels: overrides,
  children,
  fallback,
  className,
  disabled,
  ...native
}: CommonProps & { credentialFor: CredentialFor; onSuccess: (result: FlowSuccess) => void }) {
  const config = useAuthpipeConfig();
  const labels = mergeLabels(config.labels, overrides);
  const { start, status, busy } = useAuthpipeConnect({
    provider,
    credentialFor,
    onSuccess,
    ...(onError !== undefined ? { onError } : {}),
    ...(fallback !== undefined ? { fallback } : {}),
  });
  const button = useRef<HTMLButtonElement>(null);
  const wasBusy = useRef(false);
  useEffect(() => {
    // A disabled button loses focus, and closing the popup leaves it nowhere: give it back,
    // unless the person has moved on to something else meanwhile.
    if (wasBusy.current && !busy) {
      const active = button.current?.ownerDocument.activeElement;
      if (active == null || active === button.current?.ownerDocument.body) button.current?.focus();
    }
    wasBusy.current = busy;
  }, [busy]);
  const name = labels.providerNames[provider] ?? provider;
  const kind = credentialFor === 'installation' ? 'install' : 'connect';
  const rest = status === 'redirecting' ? labels.redirecting(name) : busy ? labels.busy(name) : null;
  return (
    <button
      {...native}
      ref={button}
      type="button"
      className={['authpipe-button', `authpipe-button--${kind}`, className].filter(Boolean).join(' ')}
      data-authpipe-status={status}
      aria-busy={busy}
      disabled={disabled === true || busy}
      onClick={start}
    >
      {rest ?? children ?? (kind === 'install' ? labels.install(name) : labels.connect(name))}
    </button>
  );
}

/**
 * Installs the project's app into the customer's Microsoft directory (an admin signs in and
 * consents in a popup, or through a redirect when popups are blocked).
 */
export function InstallButton({ onInstall, ...props }: InstallButtonProps) {
  return (
    <FlowButton
      {...props}
      credentialFor="installation"
      onSuccess={(result) => onInstall?.(result as AuthpipeInstallation)}
    />
  );
}

/** Connects one user's account (the user signs in and consents in a popup, or through a redirect). */
export function ConnectButton({ onConnect, ...props }: ConnectButtonProps) {
  return (
    <FlowButton {...props} credentialFor="user" onSuccess={(result) => onConnect?.(result as AuthpipeConnection)} />
  );
}
