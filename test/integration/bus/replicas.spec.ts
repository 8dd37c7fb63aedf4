// Two vaults over one database in this process are two replicas. What they share: the database
// (and, on PostgreSQL, the test database's connection pool). What they do not: every cache, their
// Envelope, their API-key service and their bus. On PGlite (one process per data directory by
// design) their buses meet in the in-process hub over the database object; on PostgreSQL each bus
// has its own listening session and hears the other only through NOTIFY. Two real processes:
// test/e2e/bus/replicas.e2e.spec.ts.
import { randomBytes } from 'node:crypto';
import { Envelope } from '@authpipe/crypto';
import { describe, expect, it } from 'vitest';
import { asTenantExternalId } from '../../../apps/vault/src/common/tenant-ids';
import { InvalidationBus } from '../../../apps/vault/src/bus/invalidation-bus';
import { SecretsService } from '../../../apps/vault/src/secrets/secrets.service';
import { aProject } from '../../support/builders';
import { replicaScenarios } from '../../support/replica-scenarios';
import { inProcessReplica } from '../../support/replicas';
import { useTestVault } from '../../support/test-vault';

describe('replicas over one database', () => {
  const a = useTestVault({ replicaId: 'replica-a' });
  const b = useTestVault(() => ({
    database: a.db,
    replicaId: 'replica-b',
    env: { AUTHPIPE_MASTER_KEYS: a.env.AUTHPIPE_MASTER_KEYS },
  }));

  it('run separate buses over the same transport', async () => {
    expect(a.get(InvalidationBus)).not.toBe(b.get(InvalidationBus));
    expect(a.get(Envelope)).not.toBe(b.get(Envelope));
    const [sa, sb] = [a.get(InvalidationBus).status(), b.get(InvalidationBus).status()];
    expect(sa).toMatchObject({ transport: a.db.url ? 'postgres' : 'in-process', listening: true });
    expect(sb).toMatchObject({ transport: sa.transport, listening: true });
    if (!a.db.url) return;
    // PostgreSQL: one listening session per vault, so b hears a only through the server.
    expect(sa.backendPid).not.toBe(sb.backendPid);
    const sessions = await a.db.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'authpipe-invalidation-bus'`,
    );
    expect(sessions.map((s) => s.pid).sort()).toEqual([sa.backendPid, sb.backendPid].sort());
  });

  replicaScenarios(a, () => inProcessReplica(b));

  // The control of the scenarios above: the same change without a message leaves b's cache as it
  // was, which is exactly the staleness the bus removes.
  it('keeps opening secrets with its cached data key when the key is deleted without a message', async () => {
    const project = await aProject(a);
    const ref = { recordType: 'bus_probe', recordId: `probe_${randomBytes(6).toString('hex')}`, field: 'value' };
    await b
      .get(SecretsService)
      .put({ projectId: project.projectId, tenantExternalId: asTenantExternalId('org_silent') }, ref, 'still-here');
    const [row] = await a.db.query<{ ciphertext: Uint8Array; tenant_id: string }>(
      'SELECT ciphertext, tenant_id FROM secrets WHERE record_id = $1',
      [ref.recordId],
    );
    await a.db.query('DELETE FROM data_keys WHERE tenant_id = $1', [row.tenant_id]);
    const opened = await b
      .get(Envelope)
      .decrypt({ projectId: project.projectId, tenantId: row.tenant_id, ...ref }, Buffer.from(row.ciphertext));
    expect(opened.toString('utf8')).toBe('still-here');
  });
});
