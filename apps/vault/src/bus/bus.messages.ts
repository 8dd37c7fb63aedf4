import { z } from 'zod';
import { namesSecret } from '../common/secret-names';
import { InvalidationBusError } from './bus.errors';

/**
 * The PostgreSQL channel every replica listens on. A constant identifier, since LISTEN takes no
 * parameter; never built from input.
 */
export const BUS_CHANNEL = 'authpipe_invalidation';

/** NOTIFY refuses payloads of 8000 bytes or more (PostgreSQL's default build). */
export const MAX_PAYLOAD_BYTES = 7999;

const id = z.string().min(1).max(255);

/**
 * The catalog: message type → fields. Ids only, never secrets or values a cache holds: a message
 * says what changed, every receiver reads the new state from the database. Strict objects, so a
 * field outside the catalog is refused rather than sent.
 */
const catalog = {
  /** A data key of the owner changed: rotated (new active version, retired ones deleted) or shredded. */
  'data_key.changed': z.strictObject({ projectId: id, tenantRowId: id.nullable() }),
  /** An API key was created or revoked. */
  'api_key.changed': z.strictObject({ publicId: z.string().regex(/^[0-9A-Za-z]{1,64}$/) }),
  /** A credential (installation or connection) was created, re-authorized or deleted. */
  'credential.changed': z.strictObject({ projectId: id, kind: z.enum(['installation', 'connection']), id }),
} as const;

type Catalog = typeof catalog;

/** The type of an invalidation message. */
export type InvalidationType = keyof Catalog;

/** Every type of the catalog. */
export const INVALIDATION_TYPES = Object.keys(catalog) as InvalidationType[];

/** The message of one type: `{type, ...fields}`. */
export type InvalidationOf<T extends InvalidationType> = { type: T } & z.infer<Catalog[T]>;

/** Any message of the catalog. */
export type InvalidationMessage = { [T in InvalidationType]: InvalidationOf<T> }[InvalidationType];

const isType = (type: unknown): type is InvalidationType => typeof type === 'string' && Object.hasOwn(catalog, type);

// The catalog itself must never grow a field that names a secret.
for (const [type, schema] of Object.entries(catalog)) {
  const named = Object.keys(schema.shape).find(namesSecret);
  if (named !== undefined) throw new Error(`Invalidation message ${type} has a field naming a secret: ${named}`);
}

/**
 * Checks a message against the catalog.
 *
 * @throws InvalidationBusError `bus_message_names_secret` when a field name names a secret,
 *   `bus_message_invalid` for an unknown type or fields that do not match it.
 */
export function parseMessage(input: unknown): InvalidationMessage {
  if (typeof input !== 'object' || input === null) throw invalid('a message must be an object');
  const { type, ...fields } = input as Record<string, unknown>;
  const secret = Object.keys(fields).find(namesSecret);
  if (secret !== undefined) {
    throw new InvalidationBusError('bus_message_names_secret', `Message field ${secret} names a secret`);
  }
  if (!isType(type)) throw invalid('unknown message type');
  const parsed = catalog[type].safeParse(fields);
  if (!parsed.success) {
    const paths = parsed.error.issues.map((issue) => issue.path.join('.') || '(message)').join(', ');
    throw invalid(`fields of ${type} do not match the catalog: ${paths}`);
  }
  return { type, ...parsed.data } as InvalidationMessage;
}

function invalid(reason: string): InvalidationBusError {
  return new InvalidationBusError('bus_message_invalid', `Invalid invalidation message: ${reason}`);
}

/** What travels on the channel: the message, and who sent it (for logs, and to skip one's own). */
export interface WireEnvelope {
  /** Sending bus instance: its own messages were applied at commit, so it skips the echo. */
  origin: string;
  /** Sending replica (REPLICA_ID), for logs. */
  replica: string;
  message: InvalidationMessage;
}

const WIRE_VERSION = 1;

/**
 * Encodes an envelope for NOTIFY.
 *
 * @throws InvalidationBusError `bus_message_too_large` beyond NOTIFY's payload limit.
 */
export function encodeWire(envelope: WireEnvelope): string {
  const text = JSON.stringify({
    v: WIRE_VERSION,
    origin: envelope.origin,
    replica: envelope.replica,
    message: envelope.message,
  });
  if (Buffer.byteLength(text, 'utf8') > MAX_PAYLOAD_BYTES) {
    throw new InvalidationBusError(
      'bus_message_too_large',
      `Message ${envelope.message.type} exceeds ${MAX_PAYLOAD_BYTES} bytes`,
    );
  }
  return text;
}

/**
 * How every payload {@link encodeWire} writes for `origin` begins (its fields are written in a
 * fixed order): a bus recognises its own echoes by it without decoding them.
 */
export function wirePrefix(origin: string): string {
  return `{"v":${WIRE_VERSION},"origin":${JSON.stringify(origin)},`;
}

const wireSchema = z.object({
  v: z.literal(WIRE_VERSION),
  origin: z.string().min(1).max(64),
  replica: z.string().max(256),
  message: z.object({ type: z.string().max(64) }).loose(),
});

/** A received payload: a message, a type this build does not know, or something unreadable. */
export type Received =
  | { kind: 'message'; origin: string; replica: string; message: InvalidationMessage }
  | { kind: 'unknown_type'; type: string }
  | { kind: 'malformed' };

/**
 * Decodes a payload from the channel. A well-formed envelope whose type this build does not know
 * is `unknown_type` (a newer replica's message, for a cache this build does not have).
 */
export function decodeWire(payload: string): Received {
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    return { kind: 'malformed' };
  }
  const envelope = wireSchema.safeParse(json);
  if (!envelope.success) return { kind: 'malformed' };
  const { origin, replica, message } = envelope.data;
  if (!isType(message.type)) return { kind: 'unknown_type', type: message.type };
  try {
    return { kind: 'message', origin, replica, message: parseMessage(message) };
  } catch {
    return { kind: 'malformed' };
  }
}
