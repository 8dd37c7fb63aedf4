// OneDrive for Business reports file hashes as QuickXorHash, not SHA-1/SHA-256, so sync clients
// compare against it. https://learn.microsoft.com/onedrive/developer/code-snippets/quickxorhash
const WIDTH_IN_BITS = 160;
const SHIFT = 11;
const DIGEST_BYTES = WIDTH_IN_BITS / 8;

/**
 * QuickXorHash of `content`, base64 as Graph's `file.hashes.quickXorHash`. Byte i is XORed into
 * the 160-bit state at bit (11·i) mod 160, wrapping around; the content length (64-bit little
 * endian) is then XORed into the last 8 bytes.
 */
export function quickXorHash(content: Uint8Array): string {
  const state = new Uint8Array(DIGEST_BYTES);
  for (let i = 0; i < content.length; i++) {
    const byte = content[i];
    if (byte === 0) continue;
    const start = (i * SHIFT) % WIDTH_IN_BITS;
    for (let bit = 0; bit < 8; bit++) {
      if ((byte >> bit) & 1) {
        const at = (start + bit) % WIDTH_IN_BITS;
        state[at >> 3] ^= 1 << (at & 7);
      }
    }
  }
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(content.length));
  for (let i = 0; i < 8; i++) state[DIGEST_BYTES - 8 + i] ^= length[i];
  return Buffer.from(state).toString('base64');
}
