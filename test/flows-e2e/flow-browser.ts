// A scripted browser for the flows: keeps the vault's cookies, follows the vault's redirect to
// Microsoft (the emulator), completes the emulator's sign-in form, and brings the reply back to
// the vault's callback — what a person's browser does, step by step, so each step can be bent.
import request from 'supertest';
import { expect } from 'vitest';
import type { FlowsWorld } from './flows-world';

export interface CallbackReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  location: string | undefined;
}

export class FlowBrowser {
  /** The binding cookie value the vault set, sent back on callbacks. */
  cookie: string | null = null;

  constructor(private readonly world: FlowsWorld) {}

  /** GET /connect/… as a browser; returns the response, remembering the cookie. */
  async open(connectPathAndQuery: string): Promise<request.Response> {
    const res = await request(this.world.vault.server()).get(connectPathAndQuery);
    const setCookie = res.headers['set-cookie'] as unknown as string[] | undefined;
    const binding = setCookie?.map((c) => /^authpipe_flow=([^;]*)/.exec(c)?.[1]).find((v) => v);
    if (binding) this.cookie = binding;
    return res;
  }

  /** Opens the session's connect URL and expects a redirect to Microsoft; returns the login URL. */
  async start(sessionToken: string): Promise<string> {
    const res = await this.open(`/connect/microsoft-onedrive?session=${sessionToken}`);
    expect(res.status, res.text).toBe(302);
    return res.headers.location;
  }

  /**
   * Completes the emulator's sign-in (or admin consent) page as `upn` and returns the query of
   * its redirect back to the vault (code/admin_consent + state, or error).
   */
  async signIn(loginUrl: string, upn: string, action: 'approve' | 'deny' = 'approve'): Promise<URLSearchParams> {
    const http = this.world.browserHttp;
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
    let req = request(this.world.vault.server()).get(`${path}?${query.toString()}`);
    if (cookie !== null) req = req.set('Cookie', `authpipe_flow=${cookie}`);
    const res = await req;
    return { status: res.status, headers: res.headers, text: res.text, location: res.headers.location };
  }

  /** start → sign in → callback, for the common case. */
  async run(
    sessionToken: string,
    upn: string,
    path: '/oauth/callback' | '/oauth/admin-consent/callback',
  ): Promise<CallbackReply> {
    const login = await this.start(sessionToken);
    const reply = await this.signIn(login, upn);
    return this.callback(path, reply);
  }
}

/** The JSON a popup completion page posts to its opener, and the origins it targets. */
export function popupData(html: string): { result: Record<string, unknown>; origins: string[]; close: boolean } {
  const json = /<script type="application\/json" id="authpipe-data">([\s\S]*?)<\/script>/.exec(html)?.[1];
  if (!json) throw new Error('the page posts nothing to the opener');
  return JSON.parse(json) as { result: Record<string, unknown>; origins: string[]; close: boolean };
}
