import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import {
  GraphClient,
  HttpClient,
  IdTokenVerifier,
  MicrosoftAuth,
  MsalClientFactory,
  httpClientOptionsSchema,
  type HttpClientOptions,
  type HttpStreamRequest,
  type HttpStreamResponse,
} from '@authpipe/microsoft';
import { z } from 'zod';
import type { Clock } from '../common/clock';

/**
 * How the vault reaches Microsoft: the HTTP layer's options (extra CAs, the `routes` endpoint
 * override of libs/microsoft, the private networks it may connect to) plus `browserOrigins`,
 * which rewrites the origin of a login URL sent to a browser (the sandbox's emulator speaks HTTPS
 * to msal-node and plain HTTP to browsers, which do not trust its CA), and `customCloudOrigins`,
 * the only origins an app's custom cloud endpoints may name.
 */
export const microsoftEndpointsSchema = httpClientOptionsSchema.extend({
  browserOrigins: z.record(z.url(), z.url()).default({}),
  customCloudOrigins: z.array(z.url({ protocol: /^https$/ })).default([]),
});
export type MicrosoftEndpoints = z.input<typeof microsoftEndpointsSchema>;

/**
 * The vault's one way to Microsoft: msal-node flows, Graph and id_token checks over one
 * outbound HTTP layer, built once from typed config (see MicrosoftModule). Settings never change
 * while the application runs, so msal's throttling cache and the JWKS cache always belong to
 * the endpoints they were learnt from.
 */
export class MicrosoftGateway implements OnApplicationShutdown {
  private readonly http: HttpClient;
  /** msal-node flows (app tokens, authorization code, admin consent URLs). */
  readonly auth: MicrosoftAuth;
  /** Microsoft Graph calls (resource resolution, probes). */
  readonly graph: GraphClient;
  /** id_token validation against the cloud's JWKS. */
  readonly idTokens: IdTokenVerifier;
  private readonly browserOrigins: Map<string, string>;
  private readonly customCloudOrigins: Set<string>;

  constructor(endpoints: MicrosoftEndpoints, clock: Clock) {
    const { browserOrigins, customCloudOrigins, ...httpOptions } = microsoftEndpointsSchema.parse(endpoints);
    this.customCloudOrigins = new Set(customCloudOrigins.map((origin) => new URL(origin).origin));
    this.http = new HttpClient(httpOptions satisfies HttpClientOptions);
    const now = (): Date => new Date(clock());
    const logger = new Logger('msal');
    this.auth = new MicrosoftAuth(
      new MsalClientFactory({
        http: this.http,
        now,
        // The factory drops msal's PII lines and redacts Microsoft's descriptions before this.
        logger: (level, message) => {
          if (level === 'error') logger.error(message);
          else if (level === 'warn') logger.warn(message);
        },
      }),
    );
    this.graph = new GraphClient(this.http, { now });
    this.idTokens = new IdTokenVerifier({ http: this.http, now });
    this.browserOrigins = new Map(
      Object.entries(browserOrigins).map(([from, to]) => [new URL(from).origin, new URL(to).origin]),
    );
  }

  /**
   * Whether an app may use `url` as a custom cloud endpoint: its origin must be on the operator's
   * allow-list. (Where it resolves to is checked again at every connection by the HTTP layer.)
   */
  allowsCustomEndpoint(url: string): boolean {
    try {
      return this.customCloudOrigins.has(new URL(url).origin);
    } catch {
      return false;
    }
  }

  /** The URL a browser should open for a login URL msal-node built (origin rewritten if configured). */
  forBrowser(loginUrl: string): string {
    const url = new URL(loginUrl);
    const target = this.browserOrigins.get(url.origin);
    if (target === undefined) return loginUrl;
    return `${target}${url.pathname}${url.search}`;
  }

  /**
   * One streamed request to Microsoft (the Graph proxy): the same TLS trust, endpoint override and
   * address policy as every other Microsoft call; bodies stream both ways with backpressure.
   */
  stream(request: HttpStreamRequest): Promise<HttpStreamResponse> {
    return this.http.stream(request);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.http.close();
  }
}
