import { Envelope } from '@authpipe/crypto';
import type { KeyProvider } from '@authpipe/crypto';
import { describe, expect, it } from 'vitest';
import { asTenantExternalId } from '../../apps/vault/src/common/tenant-ids';
import { KEY_PROVIDER } from '../../apps/vault/src/keys/keys.tokens';
import { SecretsService } from '../../apps/vault/src/secrets/secrets.service';
import { aProject } from '@test/support/builders';
import { createTestVault } from '@test/support/test-vault';

// The audit's item 8: master keys were copied into Node's shared Buffer pool (whose memory any
// neighbouring buffer exposes and nothing wipes) and were never overwritten at shutdown.
describe('key material in the vault process', () => {
  it('keeps master keys out of the shared Buffer pool and overwrites them, and the cached data keys, at shutdown', async () => {
    const vault = await createTestVault();
    const provider = vault.app.get<KeyProvider & { keyring?: unknown }>(KEY_PROVIDER);
    const { projectId } = await aProject(vault);
    await vault
      .get(SecretsService)
      .put(
        { projectId, tenantExternalId: asTenantExternalId('org_a') },
        { recordType: 't', recordId: 'r', field: 'f' },
        'x',
      );
    // The keyring inside the provider: reached the way a heap dump would see it.
    const keyring = (provider as unknown as { keyring: { key(v: number): Buffer } }).keyring;
    const key = keyring.key(provider.currentVersion());
    expect(key.buffer.byteLength).toBe(32);
    expect(key.equals(Buffer.alloc(32))).toBe(false);
    const envelope = vault.get(Envelope);
    const cleared = new Promise<void>((resolve) => {
      const clear = envelope.clear.bind(envelope);
      envelope.clear = () => {
        clear();
        resolve();
      };
    });

    await vault.close();
    await cleared;
    expect(key.equals(Buffer.alloc(32))).toBe(true);
  });
});
