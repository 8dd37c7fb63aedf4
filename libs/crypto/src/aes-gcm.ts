import { createCipheriv, createDecipheriv } from 'node:crypto';
import { CryptoContextError, CryptoIntegrityError } from './errors';

/** AES-256 key length in bytes. */
export const KEY_LENGTH = 32;
/** GCM nonce length in bytes (96 bits, the only size GCM handles without an extra GHASH pass). */
export const NONCE_LENGTH = 12;
/** GCM tag length in bytes (128 bits; shorter tags weaken forgery resistance). */
export const TAG_LENGTH = 16;

const ALGORITHM = 'aes-256-gcm';
const EMPTY = Buffer.alloc(0);

/**
 * Associated data: one buffer, or several parts that are authenticated as their concatenation
 * (lets callers bind a header and a context without copying them into one buffer).
 */
export type AadInput = Buffer | readonly Buffer[];

/** Output of {@link sealAesGcm}. */
export interface AesGcmSealed {
  ciphertext: Buffer;
  tag: Buffer;
}

function checkKeyAndNonce(key: Buffer, nonce: Buffer): void {
  if (key.length !== KEY_LENGTH) {
    throw new CryptoContextError(`AES-256-GCM key must be ${KEY_LENGTH} bytes, got ${key.length}`);
  }
  if (nonce.length !== NONCE_LENGTH) {
    throw new CryptoContextError(`AES-256-GCM nonce must be ${NONCE_LENGTH} bytes, got ${nonce.length}`);
  }
}

function applyAad(target: { setAAD(data: Buffer): unknown }, aad: AadInput): void {
  if (Buffer.isBuffer(aad)) {
    target.setAAD(aad);
    return;
  }
  for (const part of aad as readonly Buffer[]) target.setAAD(part);
}

/**
 * Encrypts with AES-256-GCM (96-bit nonce, 128-bit tag) through Node's crypto.
 * The caller owns nonce uniqueness: never reuse a nonce under the same key.
 *
 * @throws CryptoContextError when the key or nonce has the wrong length.
 */
export function sealAesGcm(key: Buffer, nonce: Buffer, plaintext: Buffer, aad: AadInput): AesGcmSealed {
  checkKeyAndNonce(key, nonce);
  const cipher = createCipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_LENGTH });
  applyAad(cipher, aad);
  const ciphertext = plaintext.length === 0 ? EMPTY : cipher.update(plaintext);
  // GCM is a stream mode: final() emits nothing, it only computes the tag.
  cipher.final();
  return { ciphertext, tag: cipher.getAuthTag() };
}

/**
 * Decrypts and authenticates AES-256-GCM. Returns the plaintext only when the tag verifies.
 *
 * @throws CryptoIntegrityError when the tag does not verify (wrong key, nonce, AAD, or tampered bytes)
 *   or has the wrong length. The message carries no data.
 * @throws CryptoContextError when the key or nonce has the wrong length.
 */
export function openAesGcm(key: Buffer, nonce: Buffer, ciphertext: Buffer, tag: Buffer, aad: AadInput): Buffer {
  checkKeyAndNonce(key, nonce);
  if (tag.length !== TAG_LENGTH) {
    throw new CryptoIntegrityError('AES-GCM tag has the wrong length', 'malformed');
  }
  const decipher = createDecipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_LENGTH });
  decipher.setAuthTag(tag);
  applyAad(decipher, aad);
  const plaintext = ciphertext.length === 0 ? EMPTY : decipher.update(ciphertext);
  try {
    decipher.final();
  } catch {
    // update() already produced unauthenticated plaintext; do not leave it in memory.
    plaintext.fill(0);
    throw new CryptoIntegrityError('AES-GCM authentication failed', 'authentication_failed');
  }
  return plaintext;
}
