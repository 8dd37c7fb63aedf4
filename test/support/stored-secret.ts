import { SecretsService } from '../../apps/vault/src/secrets/secrets.service';
import type { TestVault } from './test-vault';

/** A secret stored for a record, decrypted through the vault's own SecretsService (null when absent). */
export async function storedSecret(
  vault: TestVault,
  scope: { projectId: string; tenantId: string },
  recordType: string,
  recordId: string,
  field: string,
): Promise<string | null> {
  const value = await vault.get(SecretsService).get(scope, { recordType, recordId, field });
  return value?.toString('utf8') ?? null;
}
