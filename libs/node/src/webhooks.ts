// The receiving side of Standard Webhooks (https://www.standardwebhooks.com), written on node:crypto
// alone so the SDK keeps no runtime dependency. The vault's tests check it against the independent
// `standardwebhooks` library.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** A delivery as the vault sends it: Standard Webhooks' `{ type, timestamp, data }`. */
export interface WebhookMessage<D = Record<string, unknown>> {
  /** The event type from the vault's catalog (`credential.status_changed`, `connection.deleted`, ...). */
  type: string;
  /** When the event happened (ISO 8601). */
  timestamp: string;
  /** The event's payload, with its `eventId`, `tenantId` and per-subject `sequence`. */
  data: D;
}

/**
 * The request headers of a delivery: a Node `IncomingHttpHeaders`-like record (names in any case)
 * or a Fetch API `Headers`.
 */
export type WebhookHeaders = Record<string, string | string[] | undefined> | { get(name: string): string | null };

/** Thrown by {@link verifyWebhook} when a message is not authentic or not fresh; answer it with a 400. */
export class WebhookVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookVerificationError';
  }
}

/** How {@link verifyWebhook} judges freshness. */
export interface VerifyWebhookOptions {
  /**
   * Largest distance between `webhook-timestamp` and now, in seconds, either way (default 300, as
   * the spec suggests). Older messages are refused as replays.
   */
  toleranceSeconds?: number;
  /** Now, in epoch milliseconds (default `Date.now()`). Inject a clock for tests. */
  now?: () => number;
}

/** The default of {@link VerifyWebhookOptions.toleranceSeconds}. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof headers.get === 'function')
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  for (const [key, value] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

function keyOf(secret: string): Buffer {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
  // An empty key would make every signature of an empty-key HMAC valid: a configuration mistake.
  if (key.length === 0) throw new TypeError('Empty webhook secret: pass the endpoint secret (whsec_...).');
  return key;
}

/**
 * Verifies a Standard Webhooks message (`webhook-id`, `webhook-timestamp`, `webhook-signature`
 * v1: HMAC-SHA256 over `id.timestamp.body` keyed by the `whsec_` secret's bytes) against one or
 * more secrets (several during a rotation) and returns the parsed body. Pass the raw body, byte
 * for byte as received: a re-serialised JSON object does not verify.
 *
 * ```ts
 * const message = verifyWebhook(rawBody, req.headers, process.env.AUTHPIPE_WEBHOOK_SECRET!);
 * ```
 *
 * @throws WebhookVerificationError when a header is missing, the timestamp is outside the
 *   tolerance (replays), no signature matches, or the authentic body is not JSON.
 * @throws TypeError when no secret, or an empty one, is given.
 */
export function verifyWebhook<D = Record<string, unknown>>(
  payload: string | Uint8Array,
  headers: WebhookHeaders,
  secret: string | readonly string[],
  options: VerifyWebhookOptions = {},
): WebhookMessage<D> {
  const keys = (typeof secret === 'string' ? [secret] : secret).map(keyOf);
  if (keys.length === 0) throw new TypeError('No webhook secret given.');
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) throw new WebhookVerificationError('Missing webhook headers');
  if (!/^\d{1,15}$/.test(timestamp)) throw new WebhookVerificationError('Invalid webhook-timestamp');
  const nowSeconds = Math.floor((options.now ?? Date.now)() / 1000);
  if (Math.abs(nowSeconds - Number(timestamp)) > (options.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS)) {
    throw new WebhookVerificationError('Message timestamp outside the tolerance');
  }
  const body = typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8');
  const signed = `${id}.${timestamp}.${body}`;
  const offered = signatures
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => Buffer.from(entry.slice(3), 'base64'));
  for (const key of keys) {
    const expected = createHmac('sha256', key).update(signed, 'utf8').digest();
    if (offered.some((candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected))) {
      try {
        return JSON.parse(body) as WebhookMessage<D>;
      } catch {
        throw new WebhookVerificationError('Webhook body is not JSON');
      }
    }
  }
  throw new WebhookVerificationError('No matching signature');
}

/** Settings of {@link createWebhookHandler}. */
export interface WebhookHandlerOptions {
  /** The endpoint's secret, or several during a rotation. */
  secret: string | readonly string[];
  /** Handlers by event type; `*` takes every type without its own. */
  on: Record<string, (message: WebhookMessage) => void | Promise<void>>;
  /** Freshness settings passed to {@link verifyWebhook}. */
  verify?: VerifyWebhookOptions;
  /** How many recent ids are remembered for deduplication (default 10,000). */
  remember?: number;
}

/**
 * A small event handler: verifies each message, drops repeats of a `webhook-id` already handled
 * (retries and replays are at-least-once), and calls the handler of its type (or `*`). A handler
 * that throws leaves the id unremembered, so the vault's retry is handled again.
 *
 * @returns a function of the raw body and headers answering `handled` or `duplicate`; it throws
 *   {@link WebhookVerificationError} for a message to refuse.
 */
export function createWebhookHandler(
  options: WebhookHandlerOptions,
): (payload: string | Uint8Array, headers: WebhookHeaders) => Promise<'handled' | 'duplicate'> {
  const seen = new Set<string>();
  const remember = options.remember ?? 10_000;
  return async (payload, headers) => {
    const message = verifyWebhook(payload, headers, options.secret, options.verify);
    const id = header(headers, 'webhook-id')!;
    if (seen.has(id)) return 'duplicate';
    const handler = options.on[message.type] ?? options.on['*'];
    await handler?.(message);
    seen.add(id);
    if (seen.size > remember) seen.delete(seen.values().next().value!);
    return 'handled';
  };
}

/** The payload field naming the credential (installation or connection id) of each credential event. */
const CREDENTIAL_ID_FIELD: Readonly<Record<string, string>> = {
  'credential.status_changed': 'credentialId',
  'credential.recovered': 'credentialId',
  'installation.reauthorized': 'installationId',
  'installation.deleted': 'installationId',
  'connection.reauthorized': 'connectionId',
  'connection.deleted': 'connectionId',
};

/** The event types after which a cached token of the credential they name should not be served. */
export const CREDENTIAL_EVENT_TYPES: readonly string[] = Object.freeze(Object.keys(CREDENTIAL_ID_FIELD));

/**
 * The credential id (an installation's or connection's id, as `Credential.credentialId` holds it)
 * a message of {@link CREDENTIAL_EVENT_TYPES} names; undefined for any other message.
 */
export function credentialIdOf(message: WebhookMessage<unknown>): string | undefined {
  const field = Object.hasOwn(CREDENTIAL_ID_FIELD, message.type) ? CREDENTIAL_ID_FIELD[message.type] : undefined;
  if (field === undefined || typeof message.data !== 'object' || message.data === null) return undefined;
  const value = (message.data as Record<string, unknown>)[field];
  return typeof value === 'string' && value !== '' ? value : undefined;
}
