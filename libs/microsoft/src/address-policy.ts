// Which network addresses the outbound HTTP layer may connect to (security audit item 7, SSRF).
// An app's custom endpoints are chosen by an API caller, so the vault must not become a way to
// reach the machines around it: loopback, link-local (cloud metadata at 169.254.169.254),
// private and every other non-public range are refused unless the operator allows them. The
// check runs on the addresses actually connected to, after DNS, so a name that resolves to a
// private address (DNS rebinding) is refused too.
//
// Range classification comes from ipaddr.js (its IANA special-purpose tables, IPv4-mapped IPv6
// unwrapped by `process`) rather than hand-written prefix lists, which are easy to get wrong.
import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';

/** An IP range in CIDR notation (`10.0.0.0/8`, `fd00::/8`), or one address (`127.0.0.1`, `::1`). */
export const cidrSchema = z
  .string()
  .trim()
  .refine((value) => ipaddr.isValidCIDR(value) || ipaddr.isValid(value), 'must be an IP address or a CIDR range');

/**
 * The range an address belongs to: `unicast` for a public address, otherwise ipaddr.js's name
 * (`loopback`, `private`, `linkLocal`, `uniqueLocal`, `unspecified`, `multicast`,
 * `carrierGradeNat`, `reserved`, ...). IPv4-mapped IPv6 addresses are classified as IPv4.
 * Throws on a string that is not an IP address.
 */
export function addressRange(address: string): string {
  return ipaddr.process(address).range();
}

/** Thrown before connecting when the destination's address is not allowed. Names the host, not the path. */
export class DestinationNotAllowedError extends Error {
  readonly code = 'ERR_DESTINATION_NOT_ALLOWED';

  constructor(
    readonly host: string,
    /** The range of the refused address (`loopback`, `private`, ...). */
    readonly range: string,
  ) {
    super(`Connections to ${host} are not allowed: it resolves to a ${range} address`);
    this.name = 'DestinationNotAllowedError';
  }
}

/**
 * Public unicast addresses are always allowed; any other address only inside one of the
 * operator's `allowedNetworks`.
 */
export class AddressPolicy {
  private readonly allowed: readonly [ipaddr.IPv4 | ipaddr.IPv6, number][];

  constructor(allowedNetworks: readonly string[] = []) {
    this.allowed = allowedNetworks.map((entry) => {
      const value = cidrSchema.parse(entry);
      if (ipaddr.isValidCIDR(value)) return ipaddr.parseCIDR(value);
      const address = ipaddr.parse(value);
      return [address, address.kind() === 'ipv4' ? 32 : 128];
    });
  }

  /** Why `address` is refused (its range), or null when it may be connected to. */
  refusal(address: string): string | null {
    let parsed: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      parsed = ipaddr.process(address);
    } catch {
      return 'invalid';
    }
    const range = parsed.range();
    if (range === 'unicast') return null;
    const inAllowed = this.allowed.some(
      ([network, bits]) => network.kind() === parsed.kind() && parsed.match(network, bits),
    );
    return inAllowed ? null : range;
  }

  /**
   * A `net.connect` lookup that resolves like `dns.lookup` and fails with
   * {@link DestinationNotAllowedError} when any address of the name is refused: a name mixing
   * public and private addresses is treated as hostile rather than filtered.
   */
  lookup(): LookupFunction {
    return (hostname, options, callback) => {
      dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
        if (error) {
          callback(error, '', 0);
          return;
        }
        for (const { address } of addresses) {
          const range = this.refusal(address);
          if (range !== null) {
            callback(new DestinationNotAllowedError(hostname, range), '', 0);
            return;
          }
        }
        if (options.all) callback(null, addresses);
        else callback(null, addresses[0].address, addresses[0].family);
      });
    };
  }
}
