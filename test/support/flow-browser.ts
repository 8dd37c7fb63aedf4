// A scripted browser for the flows: keeps the vault's cookies, follows the vault's redirect to
// Microsoft (the emulator), completes the emulator's sign-in form, and brings the reply back to
// the vault's callback — what a person's browser does, step by step, so each step can be bent.
import type request from 'supertest';
import { expect } from 'vitest';
import type { TestEmulator } from './test-emulator';
import type { TestVault } from './test-vault';

export interface CallbackReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  location: string | undefined;
}

export class FlowBrowser {
  /** The binding cookie value the vault set, sent back on callbacks. */
  cookie: string | null = null;

  constructor(
    private readonly vault: TestVault,
    private readonly emulator: TestEmulator,
  ) {}

  /**
   * GET /connect/… as a browser (sending the binding cookie it holds, and a Referer when given);
   * returns the response, remembering the cookie.
   */
  async open(connectPathAndQuery: string, referer?: string): Promise<request.Response> {
    let req = this.vault.api().get(connectPathAndQuery);
    if (this.cookie !== null) req = req.set('Cookie', `authpipe_flow=${this.cookie}`);
    if (referer !== undefined) req = req.set('Referer', referer);
    const res = await req;
    const setCookie = res.headers['set-cookie'] as unknown as string[] | undefined;
    const binding = setCookie?.map((c) => /^authpipe_flow=([^;]*)/.exec(c)?.[1]).find((v) => v);
    if (binding) this.cookie = binding;
    return res;
  }

  /**
   * Opens the session's connect URL: the start page (what is being connected), then its
   * "Continue to Microsoft" link, which must redirect to Microsoft; returns the login URL.
   */
  async start(sessionToken: string, referer?: string): Promise<string> {
    const res = await this.continue(await this.startPage(sessionToken, referer));
    expect(res.status, res.text).toBe(302);
    return res.headers.location;
  }

  /** The start page of a session (expected 200), as shown before anything goes to Microsoft. */
  async startPage(sessionToken: string, referer?: string): Promise<request.Response> {
    const page = await this.open(`/connect/microsoft-onedrive?session=${sessionToken}`, referer);
    expect(page.status, page.text.slice(0, 500)).toBe(200);
    return page;
  }

  /** Follows a start page's "Continue to Microsoft" link. */
  async continue(startPage: request.Response): Promise<request.Response> {
    return this.open(continueLink(startPage.text));
  }

  /**
   * Completes the emulator's sign-in (or admin consent) page as `upn` and returns the query of
   * its redirect back to the vault (code/admin_consent + state, or error).
   */
  async signIn(loginUrl: string, upn: string, action: 'approve' | 'deny' = 'approve'): Promise<URLSearchParams> {
    const http = this.emulator.browser;
    const page = await http.request({ method: 'GET', url: loginUrl });
    const html = page.body.toString('utf8');
    expect(page.status, html.slice(0, 500)).toBe(200);
    const formAction = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
    const requestId = /name="request" value="([^"]+)"/.exec(html)?.[1];
    if (!formAction || !requestId) throw new Error('no sign-in form on the emulator page');
    const post = await http.request({
      method: 'POST',
      url: new URL(formAction.replace(/&amp;/g, '&'), loginUrl).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ request: requestId, login: upn, action }).toString(),
    });
    const location = post.headers.location;
    if (post.status !== 302 || !location)
      throw new Error(`sign-in answered HTTP ${post.status}: ${post.body.toString('utf8').slice(0, 300)}`);
    return new URL(location).searchParams;
  }

  /** GETs a vault callback with the given query, sending the binding cookie (unless told otherwise). */
  async callback(
    path: '/oauth/callback' | '/oauth/admin-consent/callback',
    query: URLSearchParams,
    cookie: string | null = this.cookie,
  ): Promise<CallbackReply> {
    let req = this.vault.api().get(`${path}?${query.toString()}`);
    if (cookie !== null) req = req.set('Cookie', `authpipe_flow=${cookie}`);
    const res = await req;
    return { status: res.status, headers: res.headers, text: res.text, location: res.headers.location };
  }

  /**
   * An installation's admin, from the vault's sign-in reply (a 302 to Microsoft's admin consent)
   * through the consent page to the admin-consent callback.
   */
  async consent(
    signInReply: CallbackReply,
    upn: string,
    action: 'approve' | 'deny' = 'approve',
  ): Promise<CallbackReply> {
    expect(signInReply.status, signInReply.text.slice(0, 500)).toBe(302);
    const consentUrl = signInReply.location;
    if (consentUrl === undefined) throw new Error('the sign-in reply did not send the admin to consent');
    expect(new URL(consentUrl).pathname).toMatch(/\/v2\.0\/adminconsent$/);
    return this.callback('/oauth/admin-consent/callback', await this.signIn(consentUrl, upn, action));
  }

  /** An installation, for the common case: start → admin sign-in → callback → admin consent → callback. */
  async install(sessionToken: string, upn: string): Promise<CallbackReply> {
    const signedIn = await this.callback('/oauth/callback', await this.signIn(await this.start(sessionToken), upn));
    if (signedIn.status !== 302) return signedIn;
    return this.consent(signedIn, upn);
  }

  /** A user's connection, for the common case: start → sign in → callback. */
  async connect(sessionToken: string, upn: string): Promise<CallbackReply> {
    return this.callback('/oauth/callback', await this.signIn(await this.start(sessionToken), upn));
  }
}

/** The "Continue to Microsoft" link of a start page (path and query). */
export function continueLink(html: string): string {
  const href = /<a class="primary" href="([^"]+)">Continue to Microsoft<\/a>/.exec(html)?.[1];
  if (!href) throw new Error(`no Continue link on the page: ${html.slice(0, 300)}`);
  return href.replace(/&#38;/g, '&');
}

/** The JSON a popup completion page posts to its opener, and the origins it targets. */
export function popupData(html: string): { result: Record<string, unknown>; origins: string[]; close: boolean } {
  const json = /<script type="application\/json" id="authpipe-data">([\s\S]*?)<\/script>/.exec(html)?.[1];
  if (!json) throw new Error('the page posts nothing to the opener');
  return JSON.parse(json) as { result: Record<string, unknown>; origins: string[]; close: boolean };
}
