// Builds msal-node ConfidentialClientApplications for an app and an authority, all sending through
// the library's HttpClient. App-only clients are kept per (app, authority) so msal's app-token
// cache works; user-token clients are created per call with an empty token cache, so the refresh
// token read back from that cache is exactly the one this call received (see token-cache.ts).
import { createHash } from 'node:crypto';
import { ConfidentialClientApplication, LogLevel, type Configuration } from '@azure/msal-node';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { cloudConfigSchema, resolveCloud, type Cloud } from './clouds';
import { parseJsonBody, type HttpClient } from './http';
import { MsalNetworkClient } from './msal-network';
import { toMicrosoftError } from './errors';

/** An Entra app registration as the library needs it. Holds a secret or private key: never log it. */
export const microsoftAppSchema = z.object({
  clientId: z.guid(),
  cloud: cloudConfigSchema,
  credential: z.union([
    z.object({ clientSecret: z.string().min(1) }),
    z.object({
      clientCertificate: z.object({
        /** Hex SHA-256 thumbprint of the certificate. */
        thumbprintSha256: z.string().regex(/^[0-9a-fA-F]{64}$/),
        /** PKCS#8 (or PKCS#1) PEM private key. */
        privateKey: z.string().includes('PRIVATE KEY-----'),
        /** PEM certificate chain sent as x5c (needed for subject-name/issuer authentication). */
        x5c: z.string().optional(),
      }),
    }),
  ]),
});
export type MicrosoftApp = z.infer<typeof microsoftAppSchema>;

/** `common`, `organizations`, `consumers`, a directory GUID or a verified domain. */
export const tenantSchema = z
  .string()
  .regex(
    /^(common|organizations|consumers|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+)$/,
    {
      message: 'tenant must be common, organizations, consumers, a directory GUID or a domain',
    },
  );

/** Client capabilities every client declares: `cp1`, so claims challenges reach the vault. */
export const CLIENT_CAPABILITIES = ['cp1'];

/** Log levels the library's logger receives. */
export type MsalLogLevel = 'error' | 'warn' | 'info' | 'verbose';

export interface MsalClientFactoryOptions {
  http: HttpClient;
  /** Receives msal-node's log lines; lines msal marks as holding PII are dropped before this. */
  logger?: (level: MsalLogLevel, message: string) => void;
  /** The clock; Retry-After dates and the metadata cache use it. */
  now?: () => Date;
  /** How long an authority's OpenID configuration is reused. */
  metadataTtlMs?: number;
  /** Most app-only clients kept (one per app and directory). */
  maxAppClients?: number;
}

const LEVELS: Record<LogLevel, MsalLogLevel> = {
  [LogLevel.Error]: 'error',
  [LogLevel.Warning]: 'warn',
  [LogLevel.Info]: 'info',
  [LogLevel.Verbose]: 'verbose',
  [LogLevel.Trace]: 'verbose',
};

/**
 * msal-common warns "No client info in response" whenever a token response lacks `client_info`,
 * which an app-only (client credentials) response never has: Microsoft documents `client_info`
 * only for user sign-ins. Only that exact warning is dropped; every other one is kept.
 */
export function isFalseMsalWarning(message: string): boolean {
  return / - No client info in response$/.test(message.trimEnd());
}

// msal's non-PII lines still quote Microsoft's error_description on failures; keep only the codes.
export function redactMsalLog(message: string): string {
  return message
    .replace(/Description: [\s\S]*?(?= - Correlation ID|$)/g, 'Description: [redacted]')
    .replace(/eyJ[\w-]+\.[\w-]+\.[\w-]*/g, '[jwt]');
}

const openIdConfigurationSchema = z.looseObject({
  authorization_endpoint: z.url(),
  token_endpoint: z.url(),
  issuer: z.string().min(1),
  jwks_uri: z.url(),
  end_session_endpoint: z.url().optional(),
});
export type OpenIdConfiguration = z.infer<typeof openIdConfigurationSchema>;

/** Creates and keeps msal-node clients for the library's flows. */
export class MsalClientFactory {
  readonly http: HttpClient;
  readonly now: () => Date;
  private readonly network: MsalNetworkClient;
  private readonly appClients: LRUCache<string, ConfidentialClientApplication>;
  private readonly metadata: LRUCache<string, Promise<OpenIdConfiguration>>;
  // Every fresh client is given the metadata as text: stringifying it each time showed in the
  // refresh benchmark's profile. Kept while its configuration is.
  private readonly metadataText = new WeakMap<OpenIdConfiguration, string>();

  constructor(private readonly options: MsalClientFactoryOptions) {
    this.http = options.http;
    this.now = options.now ?? (() => new Date());
    this.network = new MsalNetworkClient(options.http);
    this.appClients = new LRUCache({ max: options.maxAppClients ?? 1000 });
    this.metadata = new LRUCache({ max: 1000, ttl: options.metadataTtlMs ?? 3_600_000, ttlAutopurge: false });
  }

  /** `https://<login host>/<tenant>` of the app's cloud. */
  authority(app: MicrosoftApp, tenant: string): string {
    return `${resolveCloud(app.cloud).loginUrl}/${tenantSchema.parse(tenant)}`;
  }

  /** The cached app-only client for this app and directory. */
  appClient(app: MicrosoftApp, tenant: string): ConfidentialClientApplication {
    const key = `${fingerprint(app)}|${this.authority(app, tenant)}`;
    let client = this.appClients.get(key);
    if (!client) {
      client = new ConfidentialClientApplication(this.configuration(app, tenant));
      this.appClients.set(key, client);
    }
    return client;
  }

  /** A fresh app-only client (empty token cache, no throttling state), for one call. */
  async freshAppClient(app: MicrosoftApp, tenant: string): Promise<ConfidentialClientApplication> {
    const metadata = await this.openIdConfiguration(app, tenant);
    return new ConfidentialClientApplication(this.configuration(app, tenant, this.metadataJson(metadata)));
  }

  /** A fresh client with an empty token cache, for one user-token call. */
  async userClient(app: MicrosoftApp, tenant: string): Promise<ConfidentialClientApplication> {
    const metadata = await this.openIdConfiguration(app, tenant);
    return new ConfidentialClientApplication(this.configuration(app, tenant, this.metadataJson(metadata)));
  }

  /** The configuration as msal's `authorityMetadata` text, written once per fetched configuration. */
  private metadataJson(metadata: OpenIdConfiguration): string {
    let json = this.metadataText.get(metadata);
    if (json === undefined) {
      json = JSON.stringify(metadata);
      this.metadataText.set(metadata, json);
    }
    return json;
  }

  /** The authority's OpenID configuration, fetched through the HttpClient and cached per authority. */
  openIdConfiguration(app: MicrosoftApp, tenant: string): Promise<OpenIdConfiguration> {
    const url = `${this.authority(app, tenant)}/v2.0/.well-known/openid-configuration`;
    let pending = this.metadata.get(url);
    if (!pending) {
      pending = this.fetchOpenIdConfiguration(url);
      this.metadata.set(url, pending);
      // A failed fetch must not be cached.
      pending.catch(() => this.metadata.delete(url));
    }
    return pending;
  }

  private async fetchOpenIdConfiguration(url: string): Promise<OpenIdConfiguration> {
    let response;
    try {
      response = await this.http.request({ method: 'GET', url });
    } catch (error) {
      throw toMicrosoftError(error, { now: this.now() });
    }
    const body = parseJsonBody(response.body, openIdConfigurationSchema);
    if (response.status !== 200 || body === null) {
      const errorBody = parseJsonBody(
        response.body,
        z.object({ error: z.string(), error_codes: z.array(z.number()).optional() }),
      );
      throw toMicrosoftError(
        {
          errorCode: errorBody?.error ?? `http_${response.status}`,
          errorNo: errorBody?.error_codes?.[0],
          status: response.status,
        },
        { now: this.now(), outcome: { status: response.status, retryAfter: response.headers['retry-after'] } },
      );
    }
    return body;
  }

  private configuration(app: MicrosoftApp, tenant: string, authorityMetadata?: string): Configuration {
    const parsed = microsoftAppSchema.parse(app);
    const cloud: Readonly<Cloud> = resolveCloud(parsed.cloud);
    const logger = this.options.logger;
    return {
      auth: {
        clientId: parsed.clientId,
        authority: this.authority(parsed, tenant),
        knownAuthorities: [...cloud.knownAuthorities],
        authorityMetadata,
        // Continuous access evaluation: Microsoft then answers a Conditional Access change with a
        // claims challenge (whose `claims` the next sign-in carries) instead of a bare failure.
        clientCapabilities: CLIENT_CAPABILITIES,
        ...('clientSecret' in parsed.credential
          ? { clientSecret: parsed.credential.clientSecret }
          : { clientCertificate: { ...parsed.credential.clientCertificate } }),
      },
      system: {
        networkClient: this.network,
        loggerOptions: {
          piiLoggingEnabled: false,
          logLevel: LogLevel.Warning,
          loggerCallback: (level, message, containsPii) => {
            if (containsPii || !logger || isFalseMsalWarning(message)) return;
            logger(LEVELS[level], redactMsalLog(message));
          },
        },
      },
    };
  }
}

// Identifies an app configuration without keeping its secret as a map key.
function fingerprint(app: MicrosoftApp): string {
  return createHash('sha256').update(JSON.stringify(app)).digest('base64url');
}
