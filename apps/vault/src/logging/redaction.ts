import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorCodeOf } from '../common/error-code-note';

/** What replaces a redacted value in logs. */
export const REDACTED = '[Redacted]';

/**
 * Keys whose values are never logged, wherever they appear in a logged object: secrets,
 * tokens, passwords, keys (`masterKey`, `secretKey`, `key`), authorization codes, code
 * verifiers, sessions and cookies. `keyVersion`-like names (key + a suffix) stay visible.
 */
const SENSITIVE_KEY = /secret|token|passw|passphrase|credential|authorization|cookie|session|verifier|(^|_)code$|key$/i;

/** Whether a property name holds something that must not reach a log. */
export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Copies a log record with sensitive keys redacted, at any depth. Only plain objects and
 * arrays are walked; class instances (errors, requests) go through pino's serializers.
 */
export function redactDeep(value: unknown, depth = 0): unknown {
  if (depth > 8) return value;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = isSensitiveKey(k) ? REDACTED : redactDeep(v, depth + 1);
  return out;
}

/** Drops the query string: it may carry OAuth codes, states or connect sessions. */
export function pathOnly(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

const LOGGED_REQUEST_HEADERS = ['user-agent', 'content-type', 'content-length', 'x-request-id'];

/** Request serializer built from an allow-list: no authorization, cookie or query string. */
export function serializeRequest(req: IncomingMessage & { id?: unknown }): Record<string, unknown> {
  const headers: Record<string, unknown> = {};
  for (const name of LOGGED_REQUEST_HEADERS) if (req.headers?.[name] !== undefined) headers[name] = req.headers[name];
  return { id: req.id, method: req.method, path: pathOnly(req.url), headers };
}

/**
 * Response serializer: the status and, for an error the vault answered, its stable code
 * (set-cookie and location are left out: they may hold sessions or authorization codes).
 */
export function serializeResponse(res: ServerResponse): Record<string, unknown> {
  // pino-http hands serializers its standard form of the response, the response itself as `raw`.
  const errorCode = errorCodeOf((res as ServerResponse & { raw?: ServerResponse }).raw ?? res);
  return errorCode === undefined ? { statusCode: res.statusCode } : { statusCode: res.statusCode, errorCode };
}

/** Paths pino redacts as a second line of defence, should a serializer above ever be bypassed. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
];
