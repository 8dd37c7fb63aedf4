/** How a scope is granted: to a signed-in user (delegated) or to the app itself (app-only role). */
export type ScopeKind = 'delegated' | 'application';

/** One permission a provider app may ask for, with the sentence shown to developers. */
export interface ScopeDefinition {
  name: string;
  kind: ScopeKind;
  description: string;
  /** Needs an administrator's consent in most organisations. */
  adminConsentRequired: boolean;
}

/** A kind of external account Authpipe can connect, with what its apps may ask for. */
export interface ProviderDefinition {
  id: string;
  name: string;
  description: string;
  /** Cloud names an app of this provider may use (`custom` means explicit endpoints). */
  clouds: readonly string[];
  /** Delegated scopes of user connections. */
  userScopes: readonly ScopeDefinition[];
  /** App-only roles of installations. */
  installationScopes: readonly ScopeDefinition[];
  /** Delegated scopes every user flow needs (refresh token, profile for the account). */
  requiredUserScopes: readonly string[];
  defaultUserScopes: readonly string[];
  defaultInstallationScopes: readonly string[];
  /** Authorities a user flow may name besides a directory id or domain. */
  userAuthorities: readonly string[];
}
