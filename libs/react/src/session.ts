/** Which credential a flow creates: an installation (an admin installs the app) or a user's connection. */
export type CredentialFor = 'installation' | 'user';

/** How the flow runs: in a popup that reports to this page, or by sending this page to the vault and back. */
export type FlowMode = 'popup' | 'redirect';

/**
 * What the SDK asks the host application's backend for. The backend creates a connect session
 * with its secret key (`POST /v1/connect-sessions` with `tenantId`, `userId`, `credentialFor`,
 * `provider` and `returnTo`) and returns its answer (or just its `token` or `url`) to the browser.
 */
export interface SessionRequest {
  provider: string;
  credentialFor: CredentialFor;
  /**
   * The mode this attempt runs in. The SDK also puts it on the session URL, so one session
   * (created with `returnTo`) serves either mode; a backend may ignore it.
   */
  mode: FlowMode;
  /** Where a redirect-mode flow returns: this page. Pass it as the session's `returnTo`. */
  returnTo: string;
}

/**
 * The backend's answer: the connect session as `POST /v1/connect-sessions` returned it
 * (`{id, token, url, expiresAt}`), or only its token, or only its URL. Never the secret key.
 */
export type SessionAnswer = string | { id?: string; token?: string; url?: string };

/** The host application's function that asks its own backend for a connect session. */
export type GetSessionToken = (request: SessionRequest) => Promise<SessionAnswer>;

/** A session ready to open: its URL on the vault and, when known, its id (the flow's correlation id). */
export interface OpenableSession {
  url: URL;
  id: string | undefined;
}

/**
 * The URL of the flow for `answer`, with the mode of this attempt. A bare string is a URL when it
 * parses as an http(s) URL, else a token.
 */
export function sessionUrl(
  baseUrl: string,
  provider: string,
  answer: SessionAnswer,
  mode: FlowMode,
): OpenableSession | null {
  const { token, url, id } = typeof answer === 'string' ? fromString(answer) : answer;
  let target: URL;
  if (typeof url === 'string' && url.length > 0) {
    target = new URL(url, baseUrl);
  } else if (typeof token === 'string' && token.length > 0) {
    target = new URL(`connect/${encodeURIComponent(provider)}`, withSlash(baseUrl));
    target.searchParams.set('session', token);
  } else {
    return null;
  }
  if (target.protocol !== 'https:' && target.protocol !== 'http:') return null;
  target.searchParams.set('mode', mode);
  return { url: target, id: typeof id === 'string' && id.length > 0 ? id : undefined };
}

function fromString(value: string): { id?: string; token?: string; url?: string } {
  return /^https?:\/\//i.test(value) ? { url: value } : { token: value };
}

function withSlash(baseUrl: string): string {
  return baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
}
