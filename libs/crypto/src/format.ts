import { randomFillSync } from 'node:crypto';
import { NONCE_LENGTH, TAG_LENGTH, openAesGcm, sealAesGcm } from './aes-gcm';
import { CryptoContextError, CryptoFormatError } from './errors';

/**
 * Versioned ciphertext layout, shared by field ciphertexts (key version = DEK version) and wrapped
 * DEKs (key version = master key version):
 *
 * ```
 * offset 0   u8      format version (1)
 * offset 1   u32 BE  key version (1 .. 2^32-1)
 * offset 5   12 B    nonce
 * offset 17  16 B    GCM tag
 * offset 33  ...     body (AES-256-GCM ciphertext, same length as the plaintext)
 * ```
 *
 * The 5 header bytes are authenticated as the first part of the GCM associated data, so a changed
 * format or key version fails to open even if a key of that version exists.
 */
export const FORMAT_VERSION = 1;
/** Bytes before the nonce: format version and key version. */
export const HEADER_LENGTH = 5;
const NONCE_OFFSET = HEADER_LENGTH;
const TAG_OFFSET = NONCE_OFFSET + NONCE_LENGTH;
/** Bytes a sealed value adds to its plaintext. */
export const CIPHERTEXT_OVERHEAD = TAG_OFFSET + TAG_LENGTH;
/** Largest key version the u32 field can carry. */
export const MAX_KEY_VERSION = 0xffff_ffff;

/** A parsed ciphertext; every buffer is a view into the input (no copies). */
export interface ParsedCiphertext {
  formatVersion: number;
  keyVersion: number;
  header: Buffer;
  nonce: Buffer;
  tag: Buffer;
  body: Buffer;
}

/** Writes `NONCE_LENGTH` fresh bytes into `target` at `offset`. Must never repeat under one key. */
export type NonceSource = (target: Buffer, offset: number) => void;

/** Default nonce source: CSPRNG bytes written straight into the output, no intermediate buffer. */
export const randomNonce: NonceSource = (target, offset) => {
  randomFillSync(target, offset, NONCE_LENGTH);
};

/**
 * A Buffer view of `bytes` without copying (Prisma returns `Bytes` columns as plain Uint8Array).
 */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** True for an integer usable as a key version (1 .. 2^32-1). */
export function isKeyVersion(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= MAX_KEY_VERSION;
}

/**
 * Reads only the key version of a ciphertext, validating the header.
 *
 * @throws CryptoFormatError on short input, unknown format version, or key version 0.
 */
export function readKeyVersion(bytes: Uint8Array): number {
  if (bytes.length < CIPHERTEXT_OVERHEAD) {
    throw new CryptoFormatError(
      `Ciphertext is ${bytes.length} bytes, shorter than the ${CIPHERTEXT_OVERHEAD}-byte minimum`,
    );
  }
  if (bytes[0] !== FORMAT_VERSION) {
    throw new CryptoFormatError(`Unknown ciphertext format version ${bytes[0]}`);
  }
  const keyVersion = bytes[1] * 0x1000000 + ((bytes[2] << 16) | (bytes[3] << 8) | bytes[4]);
  if (keyVersion === 0) throw new CryptoFormatError('Ciphertext names key version 0, which is never issued');
  return keyVersion;
}

/**
 * Splits a ciphertext into its fields without copying.
 *
 * @throws CryptoFormatError when the bytes do not follow the layout.
 */
export function parseCiphertext(input: Uint8Array): ParsedCiphertext {
  const keyVersion = readKeyVersion(input);
  const bytes = asBuffer(input);
  return {
    formatVersion: FORMAT_VERSION,
    keyVersion,
    header: bytes.subarray(0, HEADER_LENGTH),
    nonce: bytes.subarray(NONCE_OFFSET, TAG_OFFSET),
    tag: bytes.subarray(TAG_OFFSET, CIPHERTEXT_OVERHEAD),
    body: bytes.subarray(CIPHERTEXT_OVERHEAD),
  };
}

/**
 * Encrypts `plaintext` under `key` and returns the formatted bytes carrying `keyVersion`.
 *
 * @param aad Context bound to the ciphertext (see `aad.ts`); the header is bound in front of it.
 * @param nonceSource Injected only by tests; the default is the CSPRNG.
 * @throws CryptoContextError for a key version outside 1 .. 2^32-1 or a key of the wrong size.
 */
export function sealVersioned(
  key: Buffer,
  keyVersion: number,
  plaintext: Buffer,
  aad: Buffer,
  nonceSource: NonceSource = randomNonce,
): Buffer {
  // One small copy of the AAD buys a single sealing routine; the hot field path supplies the room itself.
  const aadWithRoom = Buffer.allocUnsafe(HEADER_LENGTH + aad.length);
  aad.copy(aadWithRoom, HEADER_LENGTH);
  return sealWithHeaderRoom(key, keyVersion, plaintext, aadWithRoom, nonceSource);
}

/**
 * Opens formatted bytes produced by {@link sealVersioned} with the key of their key version.
 *
 * @throws CryptoFormatError when the layout is wrong; CryptoIntegrityError when authentication fails.
 */
export function openVersioned(key: Buffer, bytes: Buffer | ParsedCiphertext, aad: Buffer): Buffer {
  const parsed = Buffer.isBuffer(bytes) ? parseCiphertext(bytes) : bytes;
  return openAesGcm(key, parsed.nonce, parsed.body, parsed.tag, [parsed.header, aad]);
}

// Bound once: compiled CommonJS reads imported bindings through a getter at every call.
const open = openAesGcm;

function copyHeader(from: Buffer, to: Buffer): void {
  // Five bytes: a plain loop beats Buffer#copy's argument handling.
  for (let i = 0; i < HEADER_LENGTH; i++) to[i] = from[i]!;
}

/**
 * {@link sealVersioned} for an AAD buffer whose first {@link HEADER_LENGTH} bytes are free room
 * (see `fieldAadWithRoom`): the header is written there and the whole buffer authenticated at once,
 * sparing the field hot path an AAD copy.
 *
 * @throws CryptoContextError for a key version outside 1 .. 2^32-1 or a key of the wrong size.
 *
 * @internal
 */
export function sealWithHeaderRoom(
  key: Buffer,
  keyVersion: number,
  plaintext: Buffer,
  aadWithRoom: Buffer,
  nonceSource: NonceSource = randomNonce,
): Buffer {
  if (!isKeyVersion(keyVersion))
    throw new CryptoContextError(`Key version ${keyVersion} is outside 1..${MAX_KEY_VERSION}`);
  const out = Buffer.allocUnsafe(CIPHERTEXT_OVERHEAD + plaintext.length);
  out[0] = FORMAT_VERSION;
  out.writeUInt32BE(keyVersion, 1);
  nonceSource(out, NONCE_OFFSET);
  copyHeader(out, aadWithRoom);
  const { ciphertext, tag } = sealAesGcm(key, out.subarray(NONCE_OFFSET, TAG_OFFSET), plaintext, aadWithRoom);
  tag.copy(out, TAG_OFFSET);
  ciphertext.copy(out, CIPHERTEXT_OVERHEAD);
  return out;
}

/**
 * {@link openVersioned} for bytes whose header the caller already validated with
 * {@link readKeyVersion}, and an AAD buffer with {@link HEADER_LENGTH} bytes of free room in front.
 *
 * @internal
 */
export function openWithHeaderRoom(key: Buffer, bytes: Buffer, aadWithRoom: Buffer): Buffer {
  copyHeader(bytes, aadWithRoom);
  return open(
    key,
    bytes.subarray(NONCE_OFFSET, TAG_OFFSET),
    bytes.subarray(CIPHERTEXT_OVERHEAD),
    bytes.subarray(TAG_OFFSET, CIPHERTEXT_OVERHEAD),
    aadWithRoom,
  );
}
