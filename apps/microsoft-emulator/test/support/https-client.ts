import { Agent, request as httpsRequest } from 'node:https';
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface HttpsClientOptions {
  /** The emulator's CA, trusted for this client only. */
  caCertPem: string;
  /**
   * When set, every connection goes to 127.0.0.1:port whatever the URL's host, keeping the URL's
   * host for SNI, certificate checks and the Host header: how a client keeps the real Microsoft
   * hosts (and a national cloud) while talking to the emulator.
   */
  routeToPort?: number;
}

/** A small keep-alive HTTPS client over node:https, with the emulator's CA and optional routing. */
export class HttpsClient {
  private readonly agent: Agent;

  constructor(private readonly options: HttpsClientOptions) {
    this.agent = new Agent({ keepAlive: true, ca: options.caCertPem });
  }

  send(
    url: string,
    init: { method?: string; headers?: Record<string, string>; body?: string } = {},
  ): Promise<RawResponse> {
    const target = new URL(url);
    const routed = this.options.routeToPort !== undefined;
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        {
          agent: this.agent,
          method: init.method ?? 'GET',
          host: routed ? '127.0.0.1' : target.hostname.replace(/^\[|\]$/g, ''),
          port: routed ? this.options.routeToPort : Number(target.port || 443),
          servername: routed ? target.hostname : undefined,
          path: `${target.pathname}${target.search}`,
          headers: { host: target.host, ...(init.headers ?? {}) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers))
              if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
            resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(init.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * msal-node's `system.networkClient` over `HttpsClient`: the documented way to give msal-node
 * a transport (msal-node 7 uses fetch by default, which takes no CA or routing).
 */
export class MsalNetworkClient implements INetworkModule {
  constructor(private readonly http: HttpsClient) {}

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.call<T>(url, 'GET', options);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.call<T>(url, 'POST', options);
  }

  private async call<T>(url: string, method: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    const res = await this.http.send(url, { method, headers: options?.headers, body: options?.body });
    return { status: res.status, headers: res.headers, body: JSON.parse(res.body) as T };
  }
}
