/** Button texts, overridable for other languages (on `AuthpipeProvider` for all buttons, or per button). */
export interface AuthpipeLabels {
  /** InstallButton at rest; receives the provider's display name. */
  install: (providerName: string) => string;
  /** ConnectButton at rest. */
  connect: (providerName: string) => string;
  /** While the popup is open or the session is being requested. */
  busy: (providerName: string) => string;
  /** While the page is being sent to the flow (redirect mode). */
  redirecting: (providerName: string) => string;
  /** Display names of providers, by id. */
  providerNames: Record<string, string>;
}

/** English defaults. */
export const defaultLabels: AuthpipeLabels = {
  install: (name) => `Install for ${name}`,
  connect: (name) => `Connect ${name}`,
  busy: (name) => `Connecting to ${name}…`,
  redirecting: (name) => `Opening ${name}…`,
  providerNames: { 'microsoft-onedrive': 'Microsoft OneDrive' },
};

/** `base` with `overrides` on top (provider names merged). */
export function mergeLabels(base: AuthpipeLabels, overrides: Partial<AuthpipeLabels> | undefined): AuthpipeLabels {
  if (overrides === undefined) return base;
  return { ...base, ...overrides, providerNames: { ...base.providerNames, ...overrides.providerNames } };
}
