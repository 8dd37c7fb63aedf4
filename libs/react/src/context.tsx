import { createContext, useContext, useMemo, type ReactNode } from 'react';
import { defaultLabels, mergeLabels, type AuthpipeLabels } from './labels';
import type { GetSessionToken } from './session';

/** What the buttons and the hook read from {@link AuthpipeProvider}. */
export interface AuthpipeConfig {
  baseUrl: string;
  getSessionToken: GetSessionToken;
  labels: AuthpipeLabels;
  fallback: 'redirect' | 'none';
}

const AuthpipeContext = createContext<AuthpipeConfig | null>(null);

/** Props of {@link AuthpipeProvider}. */
export interface AuthpipeProviderProps {
  /** The vault's public URL, e.g. `https://vault.example.com`. */
  baseUrl: string;
  /**
   * Asks the host application's own backend for a connect session. The backend calls
   * `POST /v1/connect-sessions` with its secret key (never exposed to the browser) and returns
   * the answer, or its `token` or `url`.
   */
  getSessionToken: GetSessionToken;
  /** Texts of every button below, for other languages. */
  labels?: Partial<AuthpipeLabels>;
  /** When the browser blocks the popup: `redirect` (default) sends the page through the flow and back; `none` reports `blocked_by_browser`. */
  fallback?: 'redirect' | 'none';
  children?: ReactNode;
}

/** Makes the vault and the session source known to every Authpipe button and hook inside it. */
export function AuthpipeProvider({
  baseUrl,
  getSessionToken,
  labels,
  fallback = 'redirect',
  children,
}: AuthpipeProviderProps) {
  const value = useMemo<AuthpipeConfig>(
    () => ({ baseUrl, getSessionToken, labels: mergeLabels(defaultLabels, labels), fallback }),
    [baseUrl, getSessionToken, labels, fallback],
  );
  return <AuthpipeContext.Provider value={value}>{children}</AuthpipeContext.Provider>;
}

/** The nearest {@link AuthpipeProvider}'s configuration. @throws Error outside a provider. */
export function useAuthpipeConfig(): AuthpipeConfig {
  const config = useContext(AuthpipeContext);
  if (config === null) {
    throw new Error(
      'Authpipe buttons and useAuthpipeConnect must be rendered inside <AuthpipeProvider baseUrl getSessionToken>.',
    );
  }
  return config;
}
