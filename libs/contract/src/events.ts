import { z } from 'zod';
import { credentialStatusSchema } from './credential-status';

/**
 * The event catalog: every event the vault writes, by name, with its payload. Events are
 * append-only records in GET /v1/events (and, later, webhook deliveries). Payloads are flat maps
 * of ids, statuses, codes and dates: never a token or secret.
 */

const id = z.string();
const kind = z.enum(['installation', 'connection']);
const nullableCode = z.string().nullable();
const aadsts = z.number().int().nullable();

const installationPayload = z.object({
  installationId: id,
  provider: z.string(),
  appId: id,
  /** The customer's Microsoft directory (tenant GUID). */
  directoryId: z.string(),
  /** `user_drive`, `site` or `drive`; null before the resource is resolved. */
  resourceKind: z.string().nullable(),
});

const connectionPayload = z.object({
  connectionId: id,
  provider: z.string(),
  appId: id,
  userId: z.string(),
  installationId: id.nullable(),
  /** The user's Microsoft directory. */
  tid: z.string(),
});

export const EVENT_CATALOG = {
  'app.created': z.object({ appId: id, provider: z.string(), credentialType: z.enum(['secret', 'certificate']) }),
  'app.updated': z.object({ appId: id, fields: z.array(z.string()).describe('The fields the update named, sorted.') }),
  'app.deleted': z.object({ appId: id }),
  'app.checked': z.object({
    appId: id,
    ok: z.boolean(),
    status: z.string(),
    aadsts,
    error: nullableCode,
  }),
  'app.misconfigured': z.object({
    appId: id,
    aadsts,
    error: nullableCode,
    /** What found it: a check, a flow, a refresh. */
    source: z.string(),
  }),
  'connect_session.created': z.object({
    sessionId: id,
    appId: id,
    provider: z.string(),
    credentialFor: z.enum(['installation', 'user']),
    userId: z.string().nullable(),
    /** The session re-authorizes an existing installation or connection. */
    reauthorization: z.boolean(),
  }),
  'installation.created': installationPayload,
  'installation.reauthorized': installationPayload,
  'installation.deleted': installationPayload,
  'installation.refused': z.object({
    reason: z.literal('directory_already_installed'),
    provider: z.string(),
    directoryId: z.string(),
    installedForTenantId: z.string().optional(),
    installationId: id.optional(),
  }),
  'connection.created': connectionPayload,
  'connection.reauthorized': connectionPayload,
  'connection.deleted': connectionPayload,
  'credential.status_changed': z.object({
    credentialId: id,
    kind,
    from: credentialStatusSchema,
    to: credentialStatusSchema,
    aadsts,
    error: nullableCode,
  }),
  'credential.recovered': z.object({ credentialId: id, kind, from: credentialStatusSchema }),
} as const;

/** Names of the events the vault writes. */
export type EventName = keyof typeof EVENT_CATALOG;
export const EVENT_NAMES = Object.keys(EVENT_CATALOG) as EventName[];

/** The payload of event `T`. */
export type EventPayloadOf<T extends EventName> = z.infer<(typeof EVENT_CATALOG)[T]>;

/** Any event of the catalog as GET /v1/events and webhooks carry it, discriminated by `type`. */
export type CatalogEvent = { [T in EventName]: { type: T; payload: EventPayloadOf<T> } }[EventName];

/** Whether `value` names an event of the catalog. */
export function isEventName(value: unknown): value is EventName {
  return typeof value === 'string' && Object.hasOwn(EVENT_CATALOG, value);
}
