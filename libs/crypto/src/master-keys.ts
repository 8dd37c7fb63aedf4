import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { KEY_LENGTH } from './aes-gcm';
import { CryptoContextError, MasterKeyConfigError, UnknownMasterKeyVersionError } from './errors';
import { settle } from './settle';
import { MAX_KEY_VERSION, isKeyVersion, openVersioned, readKeyVersion, sealVersioned } from './format';

/** Default name of the environment variable holding the master key list. */
export const MASTER_KEYS_ENV = 'AUTHPIPE_MASTER_KEYS';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DIGITS = /^[0-9]+$/;

/** One master key; `key` is exactly 32 bytes. */
export interface MasterKeyEntry {
  version: number;
  key: Buffer;
}

/**
 * An immutable, versioned set of master keys (KEKs), newest first. The newest wraps new data keys;
 * older ones stay to unwrap data keys until the rotation job has rewrapped them.
 *
 * Printing or JSON-serialising a keyring shows its versions only, so an accidental log line cannot
 * carry key material.
 */
export class MasterKeyring {
  readonly #keys: ReadonlyMap<number, Buffer>;
  readonly #versions: readonly number[];

  /**
   * @param entries newest first, distinct versions in 1 .. 2^32-1, 32-byte keys (copied).
   * @throws MasterKeyConfigError listing every fault.
   */
  constructor(entries: readonly MasterKeyEntry[], source = 'master key list') {
    const problems = validateEntries(
      entries.map((e, i) => ({ position: i + 1, version: e.version, keyLength: e.key.length })),
    );
    if (problems.length > 0) throw new MasterKeyConfigError(source, problems);
    this.#keys = new Map(entries.map((e) => [e.version, ownCopy(e.key)]));
    this.#versions = Object.freeze(entries.map((e) => e.version));
  }

  /**
   * Parses `"3:<base64 32 bytes>,2:<base64>,1:<base64>"` (newest first; spaces around entries ignored).
   *
   * @param source named in the error, e.g. `AUTHPIPE_MASTER_KEYS` or a file path.
   * @throws MasterKeyConfigError naming every bad entry by position and version, never its key.
   */
  static parse(value: string, source: string = MASTER_KEYS_ENV): MasterKeyring {
    const trimmed = value.trim();
    if (trimmed.length === 0) throw new MasterKeyConfigError(source, ['no master keys are configured']);
    const problems: string[] = [];
    const entries: (MasterKeyEntry & { position: number })[] = [];
    trimmed.split(',').forEach((raw, index) => {
      const position = index + 1;
      const entry = raw.trim();
      const colon = entry.indexOf(':');
      if (entry.length === 0) return void problems.push(`entry ${position} is empty`);
      if (colon < 0) return void problems.push(`entry ${position} is not in the form <version>:<base64 key>`);
      const versionText = entry.slice(0, colon).trim();
      const keyText = entry.slice(colon + 1).trim();
      const version = DIGITS.test(versionText) ? Number(versionText) : Number.NaN;
      const label = isKeyVersion(version) ? `entry ${position} (version ${version})` : `entry ${position}`;
      if (!isKeyVersion(version)) problems.push(`${label}: version is not an integer in 1..${MAX_KEY_VERSION}`);
      if (keyText.length === 0) return void problems.push(`${label}: key is empty`);
      if (!BASE64.test(keyText)) return void problems.push(`${label}: key is not valid standard base64`);
      const key = decodeOwn(keyText);
      if (key.length !== KEY_LENGTH) {
        key.fill(0);
        return void problems.push(`${label}: key decodes to ${key.length} bytes, expected ${KEY_LENGTH}`);
      }
      if (isKeyVersion(version)) entries.push({ position, version, key });
    });
    if (entries.length > 0) {
      problems.push(
        ...validateEntries(entries.map((e) => ({ position: e.position, version: e.version, keyLength: KEY_LENGTH }))),
      );
    }
    if (problems.length > 0) {
      for (const e of entries) e.key.fill(0);
      throw new MasterKeyConfigError(source, problems);
    }
    const ring = new MasterKeyring(entries, source);
    for (const e of entries) e.key.fill(0);
    return ring;
  }

  /** A new keyring with one random key at `version` (first start without configured keys). */
  static generate(version = 1, random: (size: number) => Buffer = randomBytes): MasterKeyring {
    const key = random(KEY_LENGTH);
    try {
      return new MasterKeyring([{ version, key }], 'generated master key');
    } finally {
      key.fill(0);
    }
  }

  /** The version that wraps new data keys (the first listed). */
  get currentVersion(): number {
    return this.#versions[0];
  }

  /** All versions, newest first. */
  versions(): number[] {
    return [...this.#versions];
  }

  /** True when `version` is configured. */
  has(version: number): boolean {
    return this.#keys.has(version);
  }

  /**
   * The key of `version`. The returned buffer is the keyring's own copy: do not modify or keep it.
   *
   * @throws UnknownMasterKeyVersionError when not configured.
   */
  key(version: number): Buffer {
    const key = this.#keys.get(version);
    if (!key) throw new UnknownMasterKeyVersionError(version, this.#versions);
    return key;
  }

  /**
   * Serialises to the `AUTHPIPE_MASTER_KEYS` format. This string IS key material: write it only to
   * a 0600 key file or a secret store, never to a log.
   */
  exportSecret(): string {
    return this.#versions.map((v) => `${v}:${this.#keys.get(v)!.toString('base64')}`).join(',');
  }

  /** Overwrites the key bytes held by this keyring; it is unusable afterwards. */
  destroy(): void {
    for (const key of this.#keys.values()) key.fill(0);
  }

  toJSON(): { versions: number[] } {
    return { versions: this.versions() };
  }

  [inspect.custom](): string {
    return `MasterKeyring { versions: [${this.#versions.join(', ')}] }`;
  }
}

/**
 * A copy of key bytes in memory of their own. Small buffers (`Buffer.from`, `allocUnsafe`) are
 * slices of Node's shared 8 KiB pool, whose ArrayBuffer any neighbouring buffer exposes through
 * `.buffer`, and which is never wiped; a key gets its own allocation, zeroed on destroy().
 */
function ownCopy(key: Buffer): Buffer {
  const own = Buffer.allocUnsafeSlow(key.length);
  key.copy(own);
  return own;
}

/** Decodes base64 key text straight into an allocation of its own (never the shared pool). */
function decodeOwn(keyText: string): Buffer {
  const room = Buffer.allocUnsafeSlow(Buffer.byteLength(keyText, 'base64'));
  const written = room.write(keyText, 'base64');
  if (written === room.length) return room;
  const exact = ownCopy(room.subarray(0, written));
  room.fill(0);
  return exact;
}

function validateEntries(entries: readonly { position: number; version: number; keyLength: number }[]): string[] {
  if (entries.length === 0) return ['no master keys are configured'];
  const problems: string[] = [];
  const seen = new Set<number>();
  let previous = Number.POSITIVE_INFINITY;
  let ordered = true;
  for (const { position, version, keyLength } of entries) {
    if (!isKeyVersion(version)) problems.push(`entry ${position}: version is not an integer in 1..${MAX_KEY_VERSION}`);
    if (keyLength !== KEY_LENGTH) problems.push(`entry ${position}: key is ${keyLength} bytes, expected ${KEY_LENGTH}`);
    if (seen.has(version)) problems.push(`version ${version} appears more than once`);
    seen.add(version);
    if (version >= previous) ordered = false;
    previous = version;
  }
  if (!ordered && problems.length === 0) {
    problems.push(`versions must be listed newest first (descending), got ${entries.map((e) => e.version).join(',')}`);
  }
  return problems;
}

/**
 * Wraps and unwraps data keys with master keys. Asynchronous so a KMS-backed provider can implement
 * it; wrapped blobs use the versioned ciphertext format and carry the master key version.
 */
export interface KeyProvider {
  /** Master key version that {@link KeyProvider.wrap} uses now. */
  currentVersion(): number;
  /** Every master key version this provider can unwrap, newest first. */
  versions(): number[];
  /** Encrypts a data key under the current master key, binding `aad` (see `dataKeyAad`). */
  wrap(dek: Buffer, aad: Buffer): Promise<Buffer>;
  /**
   * Decrypts a wrapped data key with the master key version named inside it.
   *
   * @throws UnknownMasterKeyVersionError when that version is not available.
   * @throws CryptoIntegrityError when authentication fails (wrong key or AAD, tampered blob).
   * @throws CryptoFormatError when the blob is not in the ciphertext format.
   */
  unwrap(wrapped: Buffer, aad: Buffer): Promise<Buffer>;
  /** Forgets key material held in memory (a KMS-backed provider holds none); called at shutdown. */
  destroy?(): void;
}

/** {@link KeyProvider} over an in-process {@link MasterKeyring} (env variable or key file). */
export class LocalKeyProvider implements KeyProvider {
  constructor(private readonly keyring: MasterKeyring) {}

  currentVersion(): number {
    return this.keyring.currentVersion;
  }

  versions(): number[] {
    return this.keyring.versions();
  }

  wrap(dek: Buffer, aad: Buffer): Promise<Buffer> {
    return settle(() => {
      if (dek.length !== KEY_LENGTH) throw new CryptoContextError(`Data key must be ${KEY_LENGTH} bytes`);
      const version = this.keyring.currentVersion;
      return sealVersioned(this.keyring.key(version), version, dek, aad);
    });
  }

  unwrap(wrapped: Buffer, aad: Buffer): Promise<Buffer> {
    return settle(() => {
      const version = readKeyVersion(wrapped);
      return openVersioned(this.keyring.key(version), wrapped, aad);
    });
  }

  /** Overwrites the master keys in memory (shutdown); the provider is unusable afterwards. */
  destroy(): void {
    this.keyring.destroy();
  }

  [inspect.custom](): string {
    return `LocalKeyProvider { versions: [${this.keyring.versions().join(', ')}] }`;
  }
}
