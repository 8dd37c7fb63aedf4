import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import {
  GraphClient,
  HttpClient,
  IdTokenVerifier,
  MicrosoftAuth,
  MsalClientFactory,
  httpClientOptionsSchema,
  type HttpClientOptions,
} from '@authpipe/microsoft';
import { z } from 'zod';
import { CLOCK, type Clock } from '../common/clock';

/**
 * How the vault reaches Microsoft: the HTTP layer's options (extra CAs, the `routes` endpoint
 * override of libs/microsoft) plus `browserOrigins`, which rewrites the origin of a login URL
 * sent to a browser (the sandbox's emulator speaks HTTPS to msal-node and plain HTTP to
 * browsers, which do not trust its CA).
 */
export const microsoftEndpointsSchema = httpClientOptionsSchema.extend({
  browserOrigins: z.record(z.url(), z.url()).default({}),
});
export type MicrosoftEndpoints = z.input<typeof microsoftEndpointsSchema>;

interface Clients {
  http: HttpClient;
  auth: MicrosoftAuth;
  graph: GraphClient;
  idTokens: IdTokenVerifier;
  browserOrigins: Map<string, string>;
}

/**
 * The flows' msal-node, Graph and id_token clients over one outbound HTTP layer. Production
 * uses Node's trusted roots and the real hosts; the sandbox (and a deployment behind an egress
 * proxy) calls {@link configure} once at start. Clients are rebuilt as a whole, so msal's
 * throttling cache and the JWKS cache never outlive the endpoints they were learnt from.
 */
@Injectable()
export class MicrosoftGateway implements OnApplicationShutdown {
  private readonly logger = new Logger('msal');
  private clients: Clients;

  constructor(@Inject(CLOCK) private readonly clock: Clock) {
    this.clients = this.build({});
  }

  /** Replaces the endpoint settings (validated); requests already under way finish on the old clients. */
  configure(endpoints: MicrosoftEndpoints): void {
    const previous = this.clients;
    this.clients = this.build(endpoints);
    previous.http.close();
  }

  get auth(): MicrosoftAuth {
    return this.clients.auth;
  }

  get graph(): GraphClient {
    return this.clients.graph;
  }

  get idTokens(): IdTokenVerifier {
    return this.clients.idTokens;
  }

  /** The URL a browser should open for a login URL msal-node built (origin rewritten if configured). */
  forBrowser(loginUrl: string): string {
    const url = new URL(loginUrl);
    const target = this.clients.browserOrigins.get(url.origin);
    if (target === undefined) return loginUrl;
    return `${target}${url.pathname}${url.search}`;
  }

  onApplicationShutdown(): void {
    this.clients.http.close();
  }

  private build(endpoints: MicrosoftEndpoints): Clients {
    const parsed = microsoftEndpointsSchema.parse(endpoints);
    const { browserOrigins, ...httpOptions } = parsed;
    const http = new HttpClient(httpOptions satisfies HttpClientOptions);
    const now = (): Date => new Date(this.clock());
    const auth = new MicrosoftAuth(
      new MsalClientFactory({
        http,
        now,
        // The factory drops msal's PII lines and redacts Microsoft's descriptions before this.
        logger: (level, message) => {
          if (level === 'error') this.logger.error(message);
          else if (level === 'warn') this.logger.warn(message);
        },
      }),
    );
    return {
      http,
      auth,
      graph: new GraphClient(http, { now }),
      idTokens: new IdTokenVerifier({ http, now }),
      browserOrigins: new Map(
        Object.entries(browserOrigins).map(([from, to]) => [new URL(from).origin, new URL(to).origin]),
      ),
    };
  }
}
