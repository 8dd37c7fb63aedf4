import { ConnectionsService } from '../../apps/vault/src/connections/connections.service';
import type { Tokens } from '../../apps/vault/src/credentials/token-set';
import { InstallationsService } from '../../apps/vault/src/installations/installations.service';
import type { TestVault } from './test-vault';

/** The token set stored for an installation or connection, decrypted through the vault's services. */
export async function storedTokens(
  vault: TestVault,
  kind: 'installation' | 'connection',
  projectId: string,
  id: string,
): Promise<Tokens | null> {
  if (kind === 'installation') {
    const installations = vault.get(InstallationsService);
    return installations.readTokens(await installations.find(projectId, id));
  }
  const connections = vault.get(ConnectionsService);
  return connections.readTokens(await connections.find(projectId, id));
}
