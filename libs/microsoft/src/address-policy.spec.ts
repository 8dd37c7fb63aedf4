import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { AddressPolicy, DestinationNotAllowedError, addressRange, cidrSchema } from './address-policy';

function lookup(policy: AddressPolicy, hostname: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => {
    policy.lookup()(hostname, { all: true }, (error, addresses) => {
      if (error) reject(error);
      else resolve(addresses as LookupAddress[]);
    });
  });
}

describe(AddressPolicy.name, () => {
  describe('refusal', () => {
    it.each([
      ['10.1.2.3', 'private'],
      ['172.16.0.1', 'private'],
      ['172.31.255.254', 'private'],
      ['192.168.1.1', 'private'],
      ['127.0.0.1', 'loopback'],
      ['127.53.0.1', 'loopback'],
      ['169.254.169.254', 'linkLocal'],
      ['0.0.0.0', 'unspecified'],
      ['100.64.0.1', 'carrierGradeNat'],
      ['224.0.0.1', 'multicast'],
      ['255.255.255.255', 'broadcast'],
      ['192.0.2.10', 'reserved'],
      ['::1', 'loopback'],
      ['::', 'unspecified'],
      ['fd00::1', 'uniqueLocal'],
      ['fc00::1', 'uniqueLocal'],
      ['fe80::1', 'linkLocal'],
      ['fe80::1%eth0', 'linkLocal'],
      ['ff02::1', 'multicast'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:10.0.0.1', 'private'],
      ['::ffff:169.254.169.254', 'linkLocal'],
    ])('refuses %s (%s) by default', (address, range) => {
      expect(new AddressPolicy().refusal(address)).toBe(range);
    });

    it.each(['20.190.151.70', '40.126.32.1', '8.8.8.8', '2603:1037:1:c8::8', '2a01:111:f100:3000::a83e:1'])(
      'allows the public address %s',
      (address) => {
        expect(new AddressPolicy().refusal(address)).toBeNull();
      },
    );

    it('allows exactly the networks the operator lists', () => {
      const policy = new AddressPolicy(['127.0.0.1', '10.20.0.0/16', 'fd00::/8']);
      expect(policy.refusal('127.0.0.1')).toBeNull();
      expect(policy.refusal('::ffff:127.0.0.1')).toBeNull();
      expect(policy.refusal('127.0.0.2')).toBe('loopback');
      expect(policy.refusal('::1')).toBe('loopback');
      expect(policy.refusal('10.20.3.4')).toBeNull();
      expect(policy.refusal('10.21.0.1')).toBe('private');
      expect(policy.refusal('fd12::1')).toBeNull();
      expect(policy.refusal('fe80::1')).toBe('linkLocal');
      expect(policy.refusal('169.254.169.254')).toBe('linkLocal');
    });

    it('refuses what is not an address', () => {
      expect(new AddressPolicy().refusal('not-an-ip')).toBe('invalid');
    });
  });

  describe('lookup', () => {
    it('refuses a name that resolves to loopback, before any connection', async () => {
      const error = await lookup(new AddressPolicy(), 'localhost').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DestinationNotAllowedError);
      expect(error).toMatchObject({ code: 'ERR_DESTINATION_NOT_ALLOWED', host: 'localhost', range: 'loopback' });
    });

    it('resolves the same name when its loopback addresses are allowed', async () => {
      const addresses = await lookup(new AddressPolicy(['127.0.0.0/8', '::1']), 'localhost');
      expect(addresses.length).toBeGreaterThan(0);
      for (const { address } of addresses) expect(addressRange(address)).toBe('loopback');
    });

    it('passes DNS failures through unchanged', async () => {
      const error = await lookup(new AddressPolicy(), 'no-such-host.invalid').catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'ENOTFOUND' });
    });
  });

  describe('cidrSchema', () => {
    it.each(['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8'])('accepts %s', (value) => {
      expect(cidrSchema.safeParse(value).success).toBe(true);
    });

    it.each(['localhost', '10.0.0.0/33', '300.1.1.1', ''])('refuses %s', (value) => {
      expect(cidrSchema.safeParse(value).success).toBe(false);
    });
  });
});
