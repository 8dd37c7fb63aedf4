// Test support for the Graph specs: a real emulator on loopback (plain HTTP port, so any Host
// header can be sent), tokens minted through its real token endpoint, and raw HTTP requests.
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { z } from 'zod';
import { SEED } from '../../src/directory/seed';
import { startEmulator, type RunningEmulator } from '../../src/emulator';

const tokenReply = z.object({ access_token: z.string() });

/** A raw HTTP response: status, lower-cased headers, body bytes and the body parsed as JSON when it is JSON. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- assertions read arbitrary Graph JSON
}

/** Status and Graph error code of a response, for one-line assertions. */
export function graphErrorOf(res: RawResponse): { status: number; code: unknown } {
  const body = res.json as { error?: { code?: unknown } } | null;
  return { status: res.status, code: body?.error?.code };
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

/** One HTTP request with full control over headers (Host included), no redirects followed. */
export function send(url: string, options: RequestOptions = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        const isJson = String(res.headers['content-type'] ?? '').includes('json') && body.length > 0;
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          json: isJson ? (JSON.parse(body.toString('utf8')) as unknown) : null,
        });
      });
    });
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

/** An app registration a spec signs in with. */
export interface TestApp {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

/** The seeded demo app (Contoso's home app, admin-consented there for app-only access). */
export const DEMO_APP: TestApp = {
  clientId: SEED.demoApp.clientId,
  clientSecret: SEED.demoApp.secretValue,
  redirectUri: SEED.demoApp.redirectUris[0],
};

/** A running emulator with helpers to reach its Graph as a given token. */
export class GraphHarness {
  private constructor(readonly emulator: RunningEmulator) {}

  static async start(): Promise<GraphHarness> {
    const emulator = await startEmulator({ port: 0, httpPort: 0, dataDir: null, controlApi: false, seed: true });
    return new GraphHarness(emulator);
  }

  get base(): string {
    if (!this.emulator.httpBaseUrl) throw new Error('the harness starts the emulator with a plain HTTP port');
    return this.emulator.httpBaseUrl;
  }

  /**
   * Registers an app in `tenantId` whose admin consent grants exactly `roles`, through the
   * directory's own registration API (what the control API does).
   */
  registerApp(tenantId: string, roles: string[]): TestApp {
    const { store, clock } = this.emulator;
    const redirectUri = 'http://localhost:3000/oauth/callback';
    const app = store.addApp({
      displayName: `Graph spec app (${roles.join(', ') || 'no roles'})`,
      homeTenantId: tenantId,
      signInAudience: 'AzureADMyOrg',
      redirectUris: [redirectUri],
      applicationPermissions: roles,
    });
    const secret = store.addSecret(app.clientId, { expiresAt: new Date(clock.now().getTime() + 24 * 3600 * 1000) });
    store.grantAdminConsent({ tenantId, clientId: app.clientId, roles, scopes: [], grantedBy: 'graph-spec' });
    return { clientId: app.clientId, clientSecret: secret.value, redirectUri };
  }

  /** A Graph call: `path` starts at /v1.0. JSON bodies are serialised and labelled. */
  graph(
    token: string | null,
    path: string,
    options: RequestOptions & { jsonBody?: unknown } = {},
  ): Promise<RawResponse> {
    const headers: Record<string, string> = { ...options.headers };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body = options.body;
    if (options.jsonBody !== undefined) {
      body = JSON.stringify(options.jsonBody);
      headers['content-type'] = 'application/json';
    }
    return send(`${this.base}${path}`, { method: options.method, headers, body });
  }

  /** An app-only token through the token endpoint's client credentials grant. */
  appToken(
    tenant: string,
    app: Pick<TestApp, 'clientId' | 'clientSecret'>,
    cloudHosts: { login: string; graph: string } = { login: 'login.microsoftonline.com', graph: 'graph.microsoft.com' },
  ): Promise<string> {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: app.clientId,
      client_secret: app.clientSecret,
      scope: `https://${cloudHosts.graph}/.default`,
    });
    return this.redeem(tenant, form, cloudHosts.login);
  }

  /**
   * A delegated token the way a browser gets one: authorize with PKCE, the sign-in page's form
   * approved for `upn` (which records the user's consent), then the code redeemed at the token
   * endpoint. `scopes` are Graph permission names such as `Files.ReadWrite`.
   */
  async userToken(app: TestApp, upn: string, scopes: string[]): Promise<string> {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const tenant = upn.split('@')[1];
    const query = new URLSearchParams({
      client_id: app.clientId,
      response_type: 'code',
      redirect_uri: app.redirectUri,
      scope: ['openid', 'offline_access', ...scopes].join(' '),
      state: 'graph-spec',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      login_hint: upn,
    });
    const page = await send(`${this.base}/${tenant}/oauth2/v2.0/authorize?${query.toString()}`);
    const html = page.body.toString('utf8');
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
    const requestId = /name="request" value="([^"]+)"/.exec(html)?.[1];
    if (page.status !== 200 || !action || !requestId) throw new Error(`no sign-in form (HTTP ${page.status})`);
    const approved = await send(`${this.base}${action.replace(/&amp;/g, '&')}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ request: requestId, login: upn, action: 'approve' }).toString(),
    });
    const location = String(approved.headers.location ?? '');
    const code = location ? new URL(location).searchParams.get('code') : null;
    if (!code) throw new Error(`sign-in did not redirect with a code (HTTP ${approved.status})`);
    const form = new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: app.clientId,
      client_secret: app.clientSecret,
      code,
      redirect_uri: app.redirectUri,
      code_verifier: verifier,
      scope: ['openid', 'offline_access', ...scopes].join(' '),
    });
    return this.redeem(tenant, form);
  }

  /** Redeems a grant; `loginHost` is sent as Host so the emulator answers as that cloud's login. */
  private async redeem(tenant: string, form: URLSearchParams, loginHost?: string): Promise<string> {
    const res = await send(`${this.base}/${tenant}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(loginHost ? { host: loginHost } : {}) },
      body: form.toString(),
    });
    if (res.status !== 200) throw new Error(`token endpoint answered ${res.status}: ${res.body.toString('utf8')}`);
    return tokenReply.parse(res.json).access_token;
  }

  async close(): Promise<void> {
    await this.emulator.close();
  }
}
