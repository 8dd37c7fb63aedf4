import { CryptoContextError } from './errors';
import { isKeyVersion } from './format';

/**
 * Associated-data encodings. Each AAD starts with a length-prefixed domain tag, then every value
 * length-prefixed (u32 BE byte length + UTF-8) in a fixed order, so no two different contexts, and
 * no field context and data-key context, can encode to the same bytes.
 */
export const DATA_KEY_AAD_DOMAIN = 'authpipe/data-key/v1';
/** Domain tag of field AADs; differs from {@link DATA_KEY_AAD_DOMAIN} so the two can never collide. */
export const FIELD_AAD_DOMAIN = 'authpipe/field/v1';

const DATA_KEY_TAG = Buffer.from(DATA_KEY_AAD_DOMAIN, 'ascii');
const FIELD_TAG = Buffer.from(FIELD_AAD_DOMAIN, 'ascii');
const TENANT_ABSENT = 0;
const TENANT_PRESENT = 1;

/** Names the owner and version of a data key; bound when the master key wraps it. */
export interface DataKeyAadContext {
  projectId: string;
  /** `null` for the project's own data key (project secrets), else the tenant's id. */
  tenantId: string | null;
  dekVersion: number;
}

/** Names where an encrypted field lives; a ciphertext moved anywhere else fails to open. */
export interface FieldContext {
  projectId: string;
  /** `null` for project-level secrets, else the tenant's id. */
  tenantId: string | null;
  /** The kind of record, e.g. `connection`, `installation`, `app`. */
  recordType: string;
  recordId: string;
  /** The column or attribute, e.g. `refreshToken`. */
  field: string;
}

function requireId(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new CryptoContextError(`${name} must be a non-empty string`);
  }
  return value;
}

const isId = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/**
 * Validates a field context (non-empty ids, tenant null or non-empty) without building anything.
 *
 * @throws CryptoContextError naming the first bad field.
 * @internal
 */
export function assertFieldContext(ctx: FieldContext): void {
  if (
    isId(ctx.projectId) &&
    (ctx.tenantId === null || isId(ctx.tenantId)) &&
    isId(ctx.recordType) &&
    isId(ctx.recordId) &&
    isId(ctx.field)
  ) {
    return;
  }
  requireId(ctx.projectId, 'projectId');
  requireTenant(ctx.tenantId);
  requireId(ctx.recordType, 'recordType');
  requireId(ctx.recordId, 'recordId');
  requireId(ctx.field, 'field');
}

function requireTenant(value: unknown): string | null {
  if (value === null) return null;
  return requireId(value, 'tenantId');
}

function writeTag(buf: Buffer, offset: number, tag: Buffer): number {
  buf[offset++] = tag.length;
  for (let i = 0; i < tag.length; i++) buf[offset++] = tag[i];
  return offset;
}

function writeU32(buf: Buffer, offset: number, value: number): number {
  buf[offset] = value >>> 24;
  buf[offset + 1] = (value >>> 16) & 0xff;
  buf[offset + 2] = (value >>> 8) & 0xff;
  buf[offset + 3] = value & 0xff;
  return offset + 4;
}

/** Writes `u32 length ‖ value` assuming ASCII; returns the next offset, or -1 at a non-ASCII character. */
function writeAscii(buf: Buffer, offset: number, value: string): number {
  offset = writeU32(buf, offset, value.length);
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code > 0x7f) return -1;
    buf[offset++] = code;
  }
  return offset;
}

/**
 * The field AAD on the hot path. Ids are nearly always ASCII, so the buffer is sized and filled
 * assuming one byte per code unit in plain JS (no native call per value); null means a value was
 * not ASCII and the exact UTF-8 encoder must run instead.
 */
function fieldAadAscii(
  room: number,
  projectId: string,
  tenantId: string | null,
  recordType: string,
  recordId: string,
  field: string,
): Buffer | null {
  const tenantSize = tenantId === null ? 1 : 5 + tenantId.length;
  const size =
    room +
    1 +
    FIELD_TAG.length +
    tenantSize +
    16 +
    projectId.length +
    recordType.length +
    recordId.length +
    field.length;
  const buf = Buffer.allocUnsafe(size);
  let offset = writeAscii(buf, writeTag(buf, room, FIELD_TAG), projectId);
  if (offset < 0) return null;
  if (tenantId === null) {
    buf[offset++] = TENANT_ABSENT;
  } else {
    buf[offset++] = TENANT_PRESENT;
    offset = writeAscii(buf, offset, tenantId);
    if (offset < 0) return null;
  }
  offset = writeAscii(buf, offset, recordType);
  if (offset >= 0) offset = writeAscii(buf, offset, recordId);
  if (offset >= 0) offset = writeAscii(buf, offset, field);
  return offset < 0 ? null : buf;
}

/** Exact encoder for any UTF-8: `u32 byte length ‖ UTF-8` per value, tenant marker at `tenantAt`. */
function encodeUtf8(
  room: number,
  tag: Buffer,
  tenantAt: number,
  values: readonly (string | null)[],
  tail?: number,
): Buffer {
  const lengths = values.map((value) => (value === null ? 0 : Buffer.byteLength(value, 'utf8')));
  let size = room + 1 + tag.length + (tail === undefined ? 0 : 4);
  values.forEach((value, v) => {
    size += (v === tenantAt ? 1 : 0) + (value === null ? 0 : 4 + lengths[v]);
  });
  const buf = Buffer.allocUnsafe(size);
  let offset = writeTag(buf, room, tag);
  values.forEach((value, v) => {
    if (v === tenantAt) buf[offset++] = value === null ? TENANT_ABSENT : TENANT_PRESENT;
    if (value === null) return;
    offset = writeU32(buf, offset, lengths[v]);
    offset += buf.write(value, offset, 'utf8');
  });
  if (tail !== undefined) writeU32(buf, offset, tail);
  return buf;
}

/**
 * AAD bound when a data key is wrapped by a master key: domain tag, project, tenant (or absence),
 * DEK version.
 *
 * @throws CryptoContextError for empty ids or a version outside 1 .. 2^32-1.
 */
export function dataKeyAad(ctx: DataKeyAadContext): Buffer {
  const projectId = requireId(ctx.projectId, 'projectId');
  const tenantId = requireTenant(ctx.tenantId);
  if (!isKeyVersion(ctx.dekVersion)) throw new CryptoContextError('dekVersion must be an integer in 1..2^32-1');
  return encodeUtf8(0, DATA_KEY_TAG, 1, [projectId, tenantId], ctx.dekVersion);
}

/**
 * AAD bound to an encrypted field: domain tag, project, tenant (or absence), record type, record id,
 * field name. The DEK version is bound separately through the ciphertext header.
 *
 * @throws CryptoContextError for empty ids.
 */
export function fieldAad(ctx: FieldContext): Buffer {
  return fieldAadWithRoom(ctx, 0);
}

/**
 * {@link fieldAad} preceded by `room` unwritten bytes, so the envelope can put the ciphertext header
 * in front and authenticate both with one buffer (saves a copy and a native call per operation).
 *
 * @internal
 */
export function fieldAadWithRoom(ctx: FieldContext, room: number): Buffer {
  const projectId = requireId(ctx.projectId, 'projectId');
  const tenantId = requireTenant(ctx.tenantId);
  const recordType = requireId(ctx.recordType, 'recordType');
  const recordId = requireId(ctx.recordId, 'recordId');
  const field = requireId(ctx.field, 'field');
  return (
    fieldAadAscii(room, projectId, tenantId, recordType, recordId, field) ??
    encodeUtf8(room, FIELD_TAG, 1, [projectId, tenantId, recordType, recordId, field])
  );
}

/**
 * The owner part of every field AAD of one owner (domain tag, project, tenant): identical for all
 * its fields, so the envelope computes it once per cached data key.
 *
 * @internal
 */
export function fieldAadOwnerPrefix(owner: { projectId: string; tenantId: string | null }): Buffer {
  return encodeUtf8(0, FIELD_TAG, 1, [requireId(owner.projectId, 'projectId'), requireTenant(owner.tenantId)]);
}

/**
 * {@link fieldAadWithRoom} from a prefix made by {@link fieldAadOwnerPrefix} for the same owner: the
 * same bytes, with only record type, record id and field encoded per call. The caller has validated
 * `ctx` (see {@link assertFieldContext}).
 *
 * @internal
 */
export function fieldAadFromPrefix(prefix: Buffer, room: number, ctx: FieldContext): Buffer {
  const { recordType, recordId, field } = ctx;
  const buf = Buffer.allocUnsafe(room + prefix.length + 12 + recordType.length + recordId.length + field.length);
  buf.set(prefix, room);
  let offset = writeAscii(buf, room + prefix.length, recordType);
  if (offset >= 0) offset = writeAscii(buf, offset, recordId);
  if (offset >= 0) offset = writeAscii(buf, offset, field);
  return offset < 0 ? fieldAadWithRoom(ctx, room) : buf;
}
