import type { TestVault } from './test-vault';

/** How many credentials, credential secrets and credential events a vault holds. */
export interface CredentialRowCounts {
  installations: number;
  connections: number;
  secrets: number;
  events: number;
}

/** Counts what a flow stores when it succeeds, for "nothing stored" assertions on failures. */
export async function countRows(vault: TestVault): Promise<CredentialRowCounts> {
  const p = vault.db.prisma;
  return {
    installations: await p.installation.count(),
    connections: await p.connection.count(),
    secrets: await p.secret.count({ where: { recordType: { in: ['installation', 'connection'] } } }),
    events: await p.event.count({
      where: {
        type: {
          in: ['installation.created', 'connection.created', 'installation.reauthorized', 'connection.reauthorized'],
        },
      },
    }),
  };
}
