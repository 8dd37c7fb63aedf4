import path from 'node:path';
import { z } from 'zod';
import { caFile, networkList, originList, routesList } from './microsoft-env';

/** Request limits of one replica (README, "Rate limits"; applied by rate-limits/rate-limits.ts). A limit of 0 is off. */
export interface RateLimitConfig {
  /** Requests per client address per window, on every route but the unauthenticated ones. */
  perIp: number;
  /** Requests per client address per window on /connect, /oauth and /admin, which anyone can reach. */
  unauthenticatedPerIp: number;
  /** Requests per API key per window on /v1. */
  perKey: number;
  /** Failed API key authentications (401 on /v1) per client address per window; past it /v1 answers 429 unread. */
  authFailuresPerIp: number;
  windowMs: number;
}

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const positiveInt = z.coerce.number().int().positive();

/**
 * Every environment variable the vault reads, validated once at boot. Anything not listed
 * here is ignored; anything listed and malformed stops the boot with one error naming
 * every bad variable (never its value: some of them are secrets).
 */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Public base URL of the vault, used in links and OAuth redirect URIs. */
  AUTHPIPE_PUBLIC_URL: z.url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `json` (one object per line) or `pretty` (readable lines); default: pretty when stdout is a terminal. */
  AUTHPIPE_LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  /** PostgreSQL connection string; when unset the embedded PGlite under AUTHPIPE_DATA_DIR/pg is used. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  AUTHPIPE_DATA_DIR: z.string().min(1).default('./data'),
  /** Versioned master keys, newest first: `2:<base64 32 bytes>,1:<base64 32 bytes>`. */
  AUTHPIPE_MASTER_KEYS: z.string().min(1).optional(),
  /** Key file used when AUTHPIPE_MASTER_KEYS is unset; created on first start outside production. */
  AUTHPIPE_MASTER_KEY_FILE: z.string().min(1).optional(),
  /** A data key is rotated after this many encryptions (AES-GCM random nonces: stay far below 2^32). */
  AUTHPIPE_DEK_ROTATE_AFTER: positiveInt.default(2 ** 31),
  AUTHPIPE_DEK_CACHE_MAX: positiveInt.default(10_000),
  AUTHPIPE_DEK_CACHE_TTL_MS: positiveInt.default(5 * 60_000),
  /** Rows a key job (master or tenant key rotation, shred) handles per batch: one progress save each. */
  AUTHPIPE_KEY_JOB_BATCH_SIZE: positiveInt.default(500),
  /**
   * How long a retired data key stays before a tenant rotation may delete it (default: twice the
   * DEK cache TTL). Other replicas may still encrypt with it until their cache entry expires.
   */
  AUTHPIPE_RETIRED_KEY_GRACE_MS: z.coerce.number().int().min(0).optional(),
  /** Extra CA certificates (a PEM bundle file) trusted for Microsoft traffic, e.g. an egress proxy's. */
  AUTHPIPE_MICROSOFT_CA_FILE: caFile.optional(),
  /** Endpoint override: `login.microsoftonline.com=https://10.0.0.5:8443,graph.microsoft.com=https://...`. */
  AUTHPIPE_MICROSOFT_ROUTES: routesList.optional(),
  /** Origins an app may use as custom cloud endpoints: `https://login.sovereign.example,https://graph.sovereign.example`. */
  AUTHPIPE_CUSTOM_CLOUD_ORIGINS: originList.optional(),
  /** Networks beyond the public internet that outbound Microsoft traffic may reach: `10.20.0.0/16,fd00::/8`. */
  AUTHPIPE_ALLOW_PRIVATE_NETWORKS: networkList.optional(),
  /**
   * Time limit of reading one uploaded certificate (PFX or PEM pair) in its worker thread; the
   * thread is stopped past it. The iteration caps keep real files far below the default.
   */
  AUTHPIPE_CERTIFICATE_PARSE_TIMEOUT_MS: positiveInt.max(60_000).default(10_000),
  /**
   * Networks beyond the public internet webhook deliveries may reach (`10.20.0.0/16,127.0.0.1`);
   * separate from AUTHPIPE_ALLOW_PRIVATE_NETWORKS, since endpoint URLs are typed by API callers.
   */
  AUTHPIPE_WEBHOOK_ALLOW_PRIVATE_NETWORKS: networkList.optional(),
  /** Extra CA certificates (a PEM bundle file) trusted for webhook endpoints (a private PKI). */
  AUTHPIPE_WEBHOOK_CA_FILE: caFile.optional(),
  /** Deadline of one webhook attempt, connect to last response byte. */
  AUTHPIPE_WEBHOOK_TIMEOUT_MS: positiveInt.max(60_000).default(10_000),
  /** How long a delivery is retried (exponential backoff) before it becomes a dead letter. */
  AUTHPIPE_WEBHOOK_RETRY_WINDOW_MS: positiveInt.default(24 * 3_600_000),
  /** How long a rotated-out signing secret keeps signing beside the new one (default 24 h). */
  AUTHPIPE_WEBHOOK_SECRET_OVERLAP_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(24 * 3_600_000),
  /** Retention, in days: events (once consumed), finished deliveries, credential history, resolved issues. */
  AUTHPIPE_RETENTION_EVENTS_DAYS: positiveInt.default(30),
  AUTHPIPE_RETENTION_DELIVERIES_DAYS: positiveInt.default(30),
  AUTHPIPE_RETENTION_HISTORY_DAYS: positiveInt.default(365),
  AUTHPIPE_RETENTION_ISSUES_DAYS: positiveInt.default(90),
  /** Length of one `credential.refreshed` summary window (one event per tenant per window). */
  AUTHPIPE_REFRESHED_EVENT_WINDOW_MS: positiveInt.default(3_600_000),
  /**
   * Request limits per window, per replica (in memory): 0 turns one off. See README, "Rate limits".
   */
  AUTHPIPE_RATE_LIMIT_PER_IP: z.coerce.number().int().min(0).default(600),
  AUTHPIPE_RATE_LIMIT_UNAUTHENTICATED: z.coerce.number().int().min(0).default(60),
  AUTHPIPE_RATE_LIMIT_PER_KEY: z.coerce.number().int().min(0).default(6_000),
  AUTHPIPE_RATE_LIMIT_AUTH_FAILURES: z.coerce.number().int().min(0).default(30),
  AUTHPIPE_RATE_LIMIT_WINDOW_MS: positiveInt.default(60_000),
  /**
   * Proxies (addresses or CIDR ranges) whose X-Forwarded-For names the client; without it the
   * client is the connecting address and the header is ignored.
   */
  AUTHPIPE_TRUST_PROXY: networkList.optional(),
  /** Run the Microsoft emulator and seed a demo project (default: on outside production). */
  AUTHPIPE_SANDBOX: bool.optional(),
  /** Due credentials the refresh scheduler leases per batch and table (one statement each batch). */
  AUTHPIPE_REFRESH_BATCH_SIZE: positiveInt.max(10_000).default(200),
  /** Refreshes one replica runs at once (calls to Microsoft in flight). */
  AUTHPIPE_REFRESH_CONCURRENCY: positiveInt.max(256).default(16),
  /** About how often each credential's health is probed with a Graph call (±10% jitter); 0 turns probes off. */
  AUTHPIPE_HEALTH_PROBE_INTERVAL_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(24 * 3_600_000),
  /** Health probes one replica runs at once (each a Graph call, sometimes after a refresh). */
  AUTHPIPE_HEALTH_PROBE_CONCURRENCY: positiveInt.max(64).default(4),
});

export type Env = z.infer<typeof envSchema>;

/** The typed configuration the rest of the vault receives. */
export interface VaultConfig {
  env: Env['NODE_ENV'];
  host: string;
  port: number;
  publicUrl: string;
  logLevel: Env['LOG_LEVEL'];
  logFormat: 'json' | 'pretty' | 'auto';
  database: { url: string | null; pgliteDir: string };
  dataDir: string;
  masterKeys: { fromEnv: string | null; file: string; createFileIfMissing: boolean };
  dataKeys: { rotateAfterUses: number; cacheMax: number; cacheTtlMs: number };
  keyJobs: { batchSize: number; retiredKeyGraceMs: number };
  microsoft: MicrosoftConfig;
  /** Reading uploaded certificate credentials (apps/certificate-reader.ts). */
  certificates: { parseTimeoutMs: number };
  webhooks: WebhooksConfig;
  retention: RetentionConfig;
  /** Length of one `credential.refreshed` summary window. */
  refreshedEventWindowMs: number;
  /** The refresh scheduler of every replica (refresh/refresh-scheduler.ts). */
  refresh: { batchSize: number; concurrency: number };
  /** The health probes of every replica (refresh/health-probe.job.ts); `intervalMs` 0: off. */
  healthProbes: { intervalMs: number; concurrency: number };
  /** Request limits of this replica (rate-limits/rate-limits.ts). */
  rateLimits: RateLimitConfig;
  /** Proxies trusted to name the client in X-Forwarded-For (none: the connecting address is the client). */
  trustProxy: string[];
  sandbox: boolean;
}

/** Outbound webhook delivery (webhooks/). */
export interface WebhooksConfig {
  caCertificates: string[];
  allowPrivateNetworks: string[];
  timeoutMs: number;
  retryWindowMs: number;
  secretOverlapMs: number;
}

/** How long the purge job keeps each kind of record, in days. */
export interface RetentionConfig {
  eventsDays: number;
  deliveriesDays: number;
  historyDays: number;
  resolvedIssuesDays: number;
}

/** How the vault reaches Microsoft (see microsoft/microsoft-gateway.ts). */
export interface MicrosoftConfig {
  /** Extra trusted CA certificates (PEM), beside Node's roots. */
  caCertificates: string[];
  /** Host (or host:port) to https base URL: where requests for that host connect. */
  routes: Record<string, string>;
  /** Origin of a login URL to the origin a browser should open instead (the sandbox's plain-HTTP emulator). */
  browserOrigins: Record<string, string>;
  /**
   * Origins (`https://host[:port]`) an app with `cloud: 'custom'` may use as its login and Graph
   * URLs; any other custom endpoint is refused (`custom_endpoint_not_allowed`).
   */
  customCloudOrigins: string[];
  /**
   * Loopback, link-local or private networks (CIDR or address) outbound traffic may connect to;
   * every other non-public address is refused at connect time. Route targets are exempt.
   */
  allowPrivateNetworks: string[];
  /** Deadline of one outbound request; the HTTP layer's default when absent. */
  timeoutMs?: number;
}

/**
 * Adds settings only known at start (the sandbox's in-process emulator, a test's emulator) to
 * the configured ones: CAs, custom cloud origins and networks are added, routes and browser
 * origins merged (the addition wins).
 */
export function withMicrosoft(config: VaultConfig, extra: Partial<MicrosoftConfig> | undefined): VaultConfig {
  if (extra === undefined) return config;
  const current = config.microsoft;
  return {
    ...config,
    microsoft: {
      caCertificates: [...current.caCertificates, ...(extra.caCertificates ?? [])],
      routes: { ...current.routes, ...extra.routes },
      browserOrigins: { ...current.browserOrigins, ...extra.browserOrigins },
      customCloudOrigins: union(current.customCloudOrigins, extra.customCloudOrigins),
      allowPrivateNetworks: union(current.allowPrivateNetworks, extra.allowPrivateNetworks),
      timeoutMs: extra.timeoutMs ?? current.timeoutMs,
    },
  };
}

function union(current: readonly string[], extra: readonly string[] = []): string[] {
  return [...new Set([...current, ...extra])];
}

/** Thrown when the environment is invalid; lists every bad variable at once. */
export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

/** Parses and validates the environment into {@link VaultConfig}. */
export function loadConfig(source: Record<string, string | undefined>): VaultConfig {
  // Empty strings mean "unset", as in most deployment tools.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    // Issue messages describe the rule broken; zod does not echo the input value in them.
    throw new ConfigValidationError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const env = parsed.data;
  const dataDir = path.resolve(env.AUTHPIPE_DATA_DIR);
  const production = env.NODE_ENV === 'production';
  return {
    env: env.NODE_ENV,
    host: env.HOST,
    port: env.PORT,
    publicUrl: (env.AUTHPIPE_PUBLIC_URL ?? `http://${env.HOST}:${env.PORT}`).replace(/\/$/, ''),
    logLevel: env.LOG_LEVEL,
    logFormat: env.AUTHPIPE_LOG_FORMAT ?? 'auto',
    database: { url: env.DATABASE_URL ?? null, pgliteDir: path.join(dataDir, 'pg') },
    dataDir,
    masterKeys: {
      fromEnv: env.AUTHPIPE_MASTER_KEYS ?? null,
      file: path.resolve(env.AUTHPIPE_MASTER_KEY_FILE ?? path.join(dataDir, 'master.key')),
      createFileIfMissing: !production,
    },
    dataKeys: {
      rotateAfterUses: env.AUTHPIPE_DEK_ROTATE_AFTER,
      cacheMax: env.AUTHPIPE_DEK_CACHE_MAX,
      cacheTtlMs: env.AUTHPIPE_DEK_CACHE_TTL_MS,
    },
    keyJobs: {
      batchSize: env.AUTHPIPE_KEY_JOB_BATCH_SIZE,
      retiredKeyGraceMs: env.AUTHPIPE_RETIRED_KEY_GRACE_MS ?? 2 * env.AUTHPIPE_DEK_CACHE_TTL_MS,
    },
    microsoft: {
      caCertificates: env.AUTHPIPE_MICROSOFT_CA_FILE ?? [],
      routes: env.AUTHPIPE_MICROSOFT_ROUTES ?? {},
      browserOrigins: {},
      customCloudOrigins: env.AUTHPIPE_CUSTOM_CLOUD_ORIGINS ?? [],
      allowPrivateNetworks: env.AUTHPIPE_ALLOW_PRIVATE_NETWORKS ?? [],
    },
    certificates: { parseTimeoutMs: env.AUTHPIPE_CERTIFICATE_PARSE_TIMEOUT_MS },
    webhooks: {
      caCertificates: env.AUTHPIPE_WEBHOOK_CA_FILE ?? [],
      allowPrivateNetworks: env.AUTHPIPE_WEBHOOK_ALLOW_PRIVATE_NETWORKS ?? [],
      timeoutMs: env.AUTHPIPE_WEBHOOK_TIMEOUT_MS,
      retryWindowMs: env.AUTHPIPE_WEBHOOK_RETRY_WINDOW_MS,
      secretOverlapMs: env.AUTHPIPE_WEBHOOK_SECRET_OVERLAP_MS,
    },
    retention: {
      eventsDays: env.AUTHPIPE_RETENTION_EVENTS_DAYS,
      deliveriesDays: env.AUTHPIPE_RETENTION_DELIVERIES_DAYS,
      historyDays: env.AUTHPIPE_RETENTION_HISTORY_DAYS,
      resolvedIssuesDays: env.AUTHPIPE_RETENTION_ISSUES_DAYS,
    },
    refreshedEventWindowMs: env.AUTHPIPE_REFRESHED_EVENT_WINDOW_MS,
    refresh: { batchSize: env.AUTHPIPE_REFRESH_BATCH_SIZE, concurrency: env.AUTHPIPE_REFRESH_CONCURRENCY },
    healthProbes: {
      intervalMs: env.AUTHPIPE_HEALTH_PROBE_INTERVAL_MS,
      concurrency: env.AUTHPIPE_HEALTH_PROBE_CONCURRENCY,
    },
    rateLimits: {
      perIp: env.AUTHPIPE_RATE_LIMIT_PER_IP,
      unauthenticatedPerIp: env.AUTHPIPE_RATE_LIMIT_UNAUTHENTICATED,
      perKey: env.AUTHPIPE_RATE_LIMIT_PER_KEY,
      authFailuresPerIp: env.AUTHPIPE_RATE_LIMIT_AUTH_FAILURES,
      windowMs: env.AUTHPIPE_RATE_LIMIT_WINDOW_MS,
    },
    trustProxy: env.AUTHPIPE_TRUST_PROXY ?? [],
    sandbox: env.AUTHPIPE_SANDBOX ?? !production,
  };
}
