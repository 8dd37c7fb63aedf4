import type { Readable } from 'node:stream';

/** A provider Authpipe serves; `microsoft-onedrive` (OneDrive and SharePoint over Microsoft Graph) today. */
export type Provider = 'microsoft-onedrive' | (string & {});

/** Whose credential: the tenant's installation (app-only) or one of its users' connections (delegated). */
export type CredentialFor = 'installation' | 'user';

/** What {@link Authpipe.getCredential} asks for. */
export interface GetCredentialInput {
  provider: Provider;
  /** Your own id of the customer organisation (`org_acme`). */
  tenantId: string;
  /** Your own id of the user; required with `credentialFor: 'user'`, absent for an installation. */
  userId?: string;
  credentialFor: CredentialFor;
  /**
   * Skip the local cache and ask the vault to renew the token now (the vault honours it at most
   * once per credential per 30 s, answering the token just issued otherwise). For a token Graph
   * refused; the proxy does this by itself.
   */
  forceRefresh?: boolean;
  /** Stop waiting: rejects this call only; the request it shares with other callers of the key goes on. */
  signal?: AbortSignal;
}

/** A valid access token and what to call Graph with. Holds a token: never log it. Frozen. */
export interface Credential {
  /** The access token, for `Authorization: Bearer <credential>`. */
  readonly credential: string;
  readonly tokenType: 'Bearer';
  /** When the token expires (ISO 8601); the vault never answers an expired one. */
  readonly expiresAt: string;
  readonly scopes: readonly string[];
  /** The installation's or connection's id. */
  readonly credentialId: string;
  readonly credentialFor: CredentialFor;
  /** The app's cloud: `global`, `usgov-l4`, `usgov-l5`, `china` or `custom`. */
  readonly cloud: string;
  /** Where to call Graph with this token: `https://graph.microsoft.com/v1.0` or the cloud's own. */
  readonly graphBaseUrl: string;
  /** The signed-in Microsoft account of a user credential; null for an installation. */
  readonly account: { readonly oid: string; readonly tid: string; readonly upn: string | null } | null;
  /** The drive or site an installation is bound to; null when none. */
  readonly resource: {
    readonly kind: string;
    readonly driveId: string | null;
    readonly siteId: string | null;
    readonly webUrl: string | null;
  } | null;
  /** `active`, or `degraded` while Microsoft fails transiently and the token is still valid. */
  readonly status: string;
}

/** What an installation binds to, chosen when the connect session is minted. */
export type ResourceSpec =
  { kind: 'user_drive'; user: string } | { kind: 'site'; url: string } | { kind: 'drive'; driveId: string };

/** What {@link Authpipe.createConnectSession} sends (POST /v1/connect-sessions). */
export interface CreateConnectSessionInput {
  tenantId: string;
  /** Required with `credentialFor: 'user'`. */
  userId?: string;
  credentialFor: CredentialFor;
  /** Default `microsoft-onedrive`. */
  provider?: Provider;
  /** The app to use when the project has several for the provider. */
  appId?: string;
  /** Where redirect mode returns to (an allow-listed URL). */
  returnTo?: string;
  /** `popup` (default) or `redirect`. */
  mode?: 'popup' | 'redirect';
  /** Installations: the drive or site to bind to. */
  resource?: ResourceSpec;
  /** 60 to 1800 seconds; default 900. */
  expiresInSeconds?: number;
}

/** A connect session: hand `token` (or `url`) to your frontend. `token` is shown once. */
export interface ConnectSession {
  id: string;
  token: string;
  url: string;
  expiresAt: string;
}

/** Why a credential is not active, as the list and get routes show it. */
export interface StatusDetail {
  aadsts: number | null;
  error: string | null;
  remediation: string | null;
  changedAt: string | null;
}

/** An installation as the vault shows it (never a token). */
export interface Installation {
  id: string;
  tenantId: string;
  provider: string;
  appId: string;
  /** The customer's Entra directory (tenant GUID). */
  directoryId: string;
  cloud: string;
  resource: {
    kind: string;
    driveId: string | null;
    siteId: string | null;
    user: string | null;
    webUrl: string | null;
  } | null;
  scopes: string[];
  consentedAt: string;
  consentedBy: string | null;
  status: string;
  statusDetail: StatusDetail;
  expiresAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A user's connection as the vault shows it (never a token). */
export interface Connection {
  id: string;
  tenantId: string;
  provider: string;
  appId: string;
  installationId: string | null;
  userId: string;
  account: { oid: string; tid: string; upn: string | null };
  scopes: string[];
  status: string;
  statusDetail: StatusDetail;
  expiresAt: string | null;
  lastRefreshedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Filters and paging of {@link Authpipe.listInstallations} and {@link Authpipe.listConnections}. */
export interface ListInput {
  tenantId?: string;
  provider?: Provider;
  status?: 'active' | 'degraded' | 'needs_reauth' | 'revoked' | 'misconfigured' | (string & {});
  /** 1 to 100; default 50. */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
}

/** One page of a list; `nextCursor` is null on the last. */
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

/** What {@link Authpipe.proxy} sends to Graph through the vault. */
export interface ProxyInput {
  /** Default `GET`. */
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /**
   * The Graph path relative to its version, query included: `/me/drive/root/children?$top=10`.
   * Percent-encode names (an `@` as `%40`); the vault refuses dot segments and other hosts.
   */
  path: string;
  /** Default `microsoft-onedrive`. */
  provider?: Provider;
  tenantId: string;
  /** The user whose connection to use; absent: the tenant's installation. */
  userId?: string;
  headers?: Record<string, string>;
  /** Sent as it is: a string, bytes, a Blob, or a stream (streams are sent as they are read, never retried). */
  body?: RequestInit['body'] | Readable;
  signal?: AbortSignal;
}
