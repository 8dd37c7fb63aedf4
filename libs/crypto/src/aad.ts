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

function requireTenant(value: unknown): string | null {
  if (value === null) return null;
  return requireId(value, 'tenantId');
}

class AadWriter {
  private readonly buf: Buffer;
  private offset = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  tag(tag: Buffer): this {
    this.buf[this.offset++] = tag.length;
    this.offset += tag.copy(this.buf, this.offset);
    return this;
  }

  string(value: string, byteLength: number): this {
    this.buf.writeUInt32BE(byteLength, this.offset);
    this.offset += 4;
    this.offset += this.buf.write(value, this.offset, 'utf8');
    return this;
  }

  tenant(value: string | null, byteLength: number): this {
    if (value === null) {
      this.buf[this.offset++] = TENANT_ABSENT;
      return this;
    }
    this.buf[this.offset++] = TENANT_PRESENT;
    return this.string(value, byteLength);
  }

  u32(value: number): this {
    this.buf.writeUInt32BE(value, this.offset);
    this.offset += 4;
    return this;
  }

  done(): Buffer {
    return this.buf;
  }
}

const stringSize = (bytes: number): number => 4 + bytes;
const tenantSize = (tenantId: string | null, bytes: number): number => (tenantId === null ? 1 : 1 + stringSize(bytes));

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
  const projectBytes = Buffer.byteLength(projectId, 'utf8');
  const tenantBytes = tenantId === null ? 0 : Buffer.byteLength(tenantId, 'utf8');
  const size = 1 + DATA_KEY_TAG.length + stringSize(projectBytes) + tenantSize(tenantId, tenantBytes) + 4;
  return new AadWriter(size)
    .tag(DATA_KEY_TAG)
    .string(projectId, projectBytes)
    .tenant(tenantId, tenantBytes)
    .u32(ctx.dekVersion)
    .done();
}

/**
 * AAD bound to an encrypted field: domain tag, project, tenant (or absence), record type, record id,
 * field name. The DEK version is bound separately through the ciphertext header.
 *
 * @throws CryptoContextError for empty ids.
 */
export function fieldAad(ctx: FieldContext): Buffer {
  const projectId = requireId(ctx.projectId, 'projectId');
  const tenantId = requireTenant(ctx.tenantId);
  const recordType = requireId(ctx.recordType, 'recordType');
  const recordId = requireId(ctx.recordId, 'recordId');
  const field = requireId(ctx.field, 'field');
  const projectBytes = Buffer.byteLength(projectId, 'utf8');
  const tenantBytes = tenantId === null ? 0 : Buffer.byteLength(tenantId, 'utf8');
  const typeBytes = Buffer.byteLength(recordType, 'utf8');
  const idBytes = Buffer.byteLength(recordId, 'utf8');
  const fieldBytes = Buffer.byteLength(field, 'utf8');
  const size =
    1 +
    FIELD_TAG.length +
    stringSize(projectBytes) +
    tenantSize(tenantId, tenantBytes) +
    stringSize(typeBytes) +
    stringSize(idBytes) +
    stringSize(fieldBytes);
  return new AadWriter(size)
    .tag(FIELD_TAG)
    .string(projectId, projectBytes)
    .tenant(tenantId, tenantBytes)
    .string(recordType, typeBytes)
    .string(recordId, idBytes)
    .string(field, fieldBytes)
    .done();
}
