// "One change, one transaction": a failure injected at each statement of a credential change (a
// database trigger, not a mock) leaves nothing of the change visible — no row without its
// tokens, no tokens without their row, no history or event without the change they record.
import { beforeAll, describe, expect, it } from 'vitest';
import { ConnectionsService } from '../../../apps/vault/src/connections/connections.service';
import { CredentialStateWriter } from '../../../apps/vault/src/credentials/credential-state-writer';
import {
  aConnection,
  anApp,
  anAppBody,
  anEmulatorApp,
  aProject,
  HOUR_MS,
  type TestProject,
} from '@test/support/builders';
import { clearFaults, injectFault, installFaultTriggers, type Fault } from '@test/support/faults';
import { useTestEmulator } from '@test/support/test-emulator';
import { useTestVault } from '@test/support/test-vault';

const TABLES = ['connections', 'secrets', 'credential_history', 'events'];

describe('credential changes under injected failures', () => {
  const t = useTestEmulator();
  const vault = useTestVault(() => ({ emulator: t }));
  let project: TestProject;
  let appId: string;

  beforeAll(async () => {
    project = await aProject(vault);
    appId = await anApp(vault, project, anAppBody(t, await anEmulatorApp(t)));
    await installFaultTriggers(vault.db, TABLES);
  });

  /** Everything a change of a tenant's connection can touch, as comparable text. */
  async function snapshot(tenantId: string): Promise<string> {
    const rows = await vault.db.query<{ kind: string; line: string }>(
      `SELECT 'connection' AS kind, c.id || ':' || c.version || ':' || c.status AS line
         FROM connections c JOIN tenants t ON t.id = c.tenant_id WHERE t.external_id = $1
       UNION ALL
       SELECT 'secret', s.record_id || ':' || s.field || ':' || md5(s.ciphertext)
         FROM secrets s JOIN tenants t ON t.id = s.tenant_id
        WHERE t.external_id = $1 AND s.record_type = 'connection'
       UNION ALL
       SELECT 'history', h.id FROM credential_history h JOIN tenants t ON t.id = h.tenant_id WHERE t.external_id = $1
       UNION ALL
       SELECT 'event', e.id FROM events e WHERE e.tenant_external_id = $1
       ORDER BY 1, 2`,
      [tenantId],
    );
    return rows.map((r) => `${r.kind} ${r.line}`).join('\n');
  }

  /** Every row has its token set and every token set its row. */
  async function expectConsistent(tenantId: string): Promise<void> {
    const orphans = await vault.db.query(
      `SELECT c.id FROM connections c JOIN tenants t ON t.id = c.tenant_id
        WHERE t.external_id = $1
          AND NOT EXISTS (SELECT 1 FROM secrets s WHERE s.record_id = c.id AND s.field = 'tokenSet')
       UNION ALL
       SELECT s.record_id FROM secrets s JOIN tenants t ON t.id = s.tenant_id
        WHERE t.external_id = $1 AND s.record_type = 'connection'
          AND NOT EXISTS (SELECT 1 FROM connections c WHERE c.id = s.record_id)`,
      [tenantId],
    );
    expect(orphans).toEqual([]);
  }

  const faults: [string, Fault][] = TABLES.flatMap((table) =>
    (['INSERT', 'UPDATE', 'DELETE'] as const).map((op): [string, Fault] => [`${op} on ${table}`, { table, op }]),
  );

  /**
   * Runs `change` with `fault` armed. When the change runs the faulted statement (`runs` lists
   * them as `OP table`), it must fail and leave no trace; otherwise it must succeed. Either way
   * every row keeps its token set.
   */
  async function underFault(
    fault: Fault,
    tenantId: string,
    runs: string[],
    change: () => Promise<unknown>,
  ): Promise<void> {
    const before = await snapshot(tenantId);
    await injectFault(vault.db, fault);
    let failed = false;
    try {
      await change();
    } catch {
      failed = true;
    } finally {
      await clearFaults(vault.db);
    }
    expect(failed).toBe(runs.includes(`${fault.op} ${fault.table}`));
    if (failed) expect(await snapshot(tenantId)).toBe(before);
    await expectConsistent(tenantId);
  }

  it.each(faults)('creating a connection with a failure at %s', async (_label, fault) => {
    const tenantId = `org_create_${fault.table}_${fault.op}`.toLowerCase();
    const runs = ['INSERT connections', 'INSERT secrets', 'INSERT credential_history', 'INSERT events'];
    await underFault(fault, tenantId, runs, () =>
      aConnection(vault, { projectId: project.projectId, appId, tenantId, userId: 'u1' }),
    );
  });

  it.each(faults)('re-authorizing a connection with a failure at %s', async (_label, fault) => {
    const tenantId = `org_reauth_${fault.table}_${fault.op}`.toLowerCase();
    const base = { projectId: project.projectId, appId, tenantId, userId: 'u1' };
    await aConnection(vault, base);
    // The token set's upsert fires its insert trigger, then its update trigger on the conflict.
    const runs = [
      'UPDATE connections',
      'INSERT secrets',
      'UPDATE secrets',
      'INSERT credential_history',
      'INSERT events',
    ];
    await underFault(fault, tenantId, runs, () =>
      aConnection(vault, base, { accessToken: 'second', upn: 'b@contoso.com' }),
    );
  });

  it.each(faults)('refreshing a connection with a failure at %s', async (_label, fault) => {
    const tenantId = `org_refresh_${fault.table}_${fault.op}`.toLowerCase();
    const id = await aConnection(vault, { projectId: project.projectId, appId, tenantId, userId: 'u1' });
    const row = await vault.get(ConnectionsService).find(project.projectId, id);
    // A degraded credential recovering: the row, the token set and two events in one change.
    await vault.db.query(`UPDATE connections SET status = 'degraded' WHERE id = $1`, [id]);
    const runs = ['UPDATE connections', 'INSERT secrets', 'UPDATE secrets', 'INSERT events'];
    await underFault(fault, tenantId, runs, () =>
      vault
        .get(CredentialStateWriter)
        .refreshed(
          'connection',
          { ...row, status: 'degraded' },
          { accessToken: 'new', refreshToken: 'new-rt', expiresAt: vault.clock.date(HOUR_MS), scopes: [] },
          { refreshAt: vault.clock.date(HOUR_MS / 2), keepAliveAt: vault.clock.date(HOUR_MS) },
        ),
    );
  });

  it.each(faults)('deleting a connection with a failure at %s', async (_label, fault) => {
    const tenantId = `org_delete_${fault.table}_${fault.op}`.toLowerCase();
    const id = await aConnection(vault, { projectId: project.projectId, appId, tenantId, userId: 'u1' });
    const runs = ['DELETE connections', 'DELETE secrets', 'INSERT credential_history', 'INSERT events'];
    await underFault(fault, tenantId, runs, () => vault.get(ConnectionsService).delete(project.projectId, id));
  });

  it('still makes each change whole without faults', async () => {
    const tenantId = 'org_no_fault';
    const base = { projectId: project.projectId, appId, tenantId, userId: 'u1' };
    const id = await aConnection(vault, base);
    await aConnection(vault, base, { accessToken: 'again' });
    await vault.get(ConnectionsService).delete(project.projectId, id);
    await expectConsistent(tenantId);
    const events = await vault.db.query<{ type: string }>(
      `SELECT type FROM events WHERE tenant_external_id = $1 ORDER BY seq`,
      [tenantId],
    );
    expect(events.map((e) => e.type)).toEqual(['connection.created', 'connection.reauthorized', 'connection.deleted']);
  });
});
