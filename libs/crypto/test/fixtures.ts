import type { FieldContext } from '../src/aad';
import { InMemoryDataKeyStore } from '../src/data-key-store';
import { Envelope } from '../src/envelope';
import type { EnvelopeOptions } from '../src/envelope-options';
import { LocalKeyProvider, MasterKeyring } from '../src/master-keys';

/** Shared fixtures of the libs/crypto specs. */

/** A field context of tenant `org_acme` in project `prj_1`. */
export const ctx: FieldContext = {
  projectId: 'prj_1',
  tenantId: 'org_acme',
  recordType: 'connection',
  recordId: 'con_1',
  field: 'refreshToken',
};

/** Master key version 1 (all bytes 1) as an `AUTHPIPE_MASTER_KEYS` entry. */
export const K1 = `1:${Buffer.alloc(32, 1).toString('base64')}`;
/** Master key version 2 (all bytes 2). */
export const K2 = `2:${Buffer.alloc(32, 2).toString('base64')}`;

/** A local key provider over a keyring spec such as `${K2},${K1}`. */
export const ring = (spec = K1): LocalKeyProvider => new LocalKeyProvider(MasterKeyring.parse(spec));

/** A fresh in-memory store and an envelope over it with master key K1, unless overridden. */
export function envelopeWithStore(overrides: Partial<EnvelopeOptions> = {}): {
  store: InMemoryDataKeyStore;
  envelope: Envelope;
} {
  const store = new InMemoryDataKeyStore();
  return { store, envelope: new Envelope({ keyProvider: ring(K1), store, ...overrides }) };
}
