// Small readers over node-forge's ASN.1 tree that fail with MalformedAsn1 (never echoing the
// input), so the PFX and key readers can turn any shape error into their own refusal.
import forge from 'node-forge';

type Asn1 = forge.asn1.Asn1;
const { Class, Type } = forge.asn1;

/** The structure is not what the standard says; callers turn it into their own reason. */
export class MalformedAsn1 extends Error {
  constructor(what: string) {
    super(`malformed ${what}`);
    this.name = 'MalformedAsn1';
  }
}

/** The elements of a constructed node (SEQUENCE, SET, an explicit tag). */
export function childrenOf(node: Asn1 | undefined, what: string): Asn1[] {
  if (node === undefined || !node.constructed || !Array.isArray(node.value)) throw new MalformedAsn1(what);
  return node.value;
}

export function isUniversal(node: Asn1 | undefined, type: forge.asn1.Type): node is Asn1 {
  return node !== undefined && node.tagClass === Class.UNIVERSAL && node.type === type;
}

/** The dotted OID of an OBJECT IDENTIFIER node. */
export function oidOf(node: Asn1 | undefined, what: string): string {
  if (!isUniversal(node, Type.OID) || typeof node.value !== 'string') throw new MalformedAsn1(what);
  return forge.asn1.derToOid(node.value);
}

/**
 * The bytes (binary string) of an OCTET STRING, joining the chunks of a BER constructed one.
 * `implicit`: the node is an [n] IMPLICIT OCTET STRING (EncryptedContentInfo.encryptedContent).
 */
export function octetsOf(node: Asn1 | undefined, what: string, implicit = false): string {
  if (node === undefined || (!implicit && !isUniversal(node, Type.OCTETSTRING))) throw new MalformedAsn1(what);
  if (typeof node.value === 'string') return node.value;
  return node.value.map((chunk) => octetsOf(chunk, what)).join('');
}

/**
 * A positive INTEGER. Read with BigInt so a count of any length is reported as it is written
 * (forge reads at most 32 bits and would wrap a larger one around).
 */
export function countOf(node: Asn1 | undefined, what: string): number {
  if (!isUniversal(node, Type.INTEGER) || typeof node.value !== 'string' || node.value.length === 0) {
    throw new MalformedAsn1(what);
  }
  if (node.value.charCodeAt(0) & 0x80) throw new MalformedAsn1(`${what} (negative)`);
  const value = BigInt(`0x${forge.util.bytesToHex(node.value)}`);
  if (value === 0n) throw new MalformedAsn1(`${what} (zero)`);
  return Number(value);
}
