// The PostgreSQL listening session: what arrives on it from outside the vault, and it going away
// (killed, or unable to come back). Only PostgreSQL has such a session; on PGlite the bus is an
// in-process hub with no wire and nothing to lose, so this file needs DATABASE_URL
// (`DATABASE_URL=… npm run test:db`).
import { randomBytes } from 'node:crypto';
import { Envelope } from '@authpipe/crypto';
import pg from 'pg';
import { describe, expect, it, vi } from 'vitest';
import { asTenantExternalId } from '../../../apps/vault/src/common/tenant-ids';
import { BUS_CHANNEL, encodeWire } from '../../../apps/vault/src/bus/bus.messages';
import { InvalidationBus } from '../../../apps/vault/src/bus/invalidation-bus';
import { SecretsService } from '../../../apps/vault/src/secrets/secrets.service';
import { aProject, bearer } from '../../support/builders';
import { useTestVault, type TestVault } from '../../support/test-vault';

const postgres = process.env.DATABASE_URL;
const SKIP_REASON = 'needs DATABASE_URL: only PostgreSQL has a listening session (PGlite: an in-process hub)';
if (!postgres) console.info(`postgres-session.spec.ts skipped: ${SKIP_REASON}`);

// Reconnects back off from 100 ms up to 5 s: deadlines generous enough for a loaded machine.
const RECONNECT = { timeout: 15_000, interval: 20 };

async function authenticate(vault: TestVault, key: string): Promise<string> {
  const res = await vault.api().get('/v1/tenants').set(bearer(key));
  return res.status === 200 ? 'ok' : String(res.body.error?.code);
}

describe.skipIf(!postgres)(`${InvalidationBus.name} on its PostgreSQL session (${SKIP_REASON})`, () => {
  const vault = useTestVault();

  /** Sends a raw payload on the channel, as anyone with access to the database could. */
  const notify = (payload: string) => vault.db.query('SELECT pg_notify($1, $2)', [BUS_CHANNEL, payload]);
  const sentinel = (id: string) =>
    encodeWire({
      origin: 'test',
      replica: 'test',
      message: { type: 'credential.changed', projectId: 'prj_bus', kind: 'connection', id },
    });

  it('ignores a message of a type this build does not know, and drops every cache on an unreadable one', async () => {
    const bus = vault.get(InvalidationBus);
    const heard: string[] = [];
    const stop = bus.subscribe('credential.changed', (m) => heard.push(m.id));
    let resets = 0;
    const off = bus.onReset(() => resets++);
    await notify(JSON.stringify({ v: 1, origin: 'newer', replica: 'r', message: { type: 'tenant.renamed', id: 't' } }));
    // Messages arrive in commit order: once the sentinel is here, the newer message was handled.
    await notify(sentinel('after_unknown'));
    await vi.waitFor(() => expect(heard).toEqual(['after_unknown']), { timeout: 1_000, interval: 10 });
    expect(resets).toBe(0);
    await notify('not a message');
    await vi.waitFor(() => expect(resets).toBe(1), { timeout: 1_000, interval: 10 });
    off();
    stop();
  });

  it('drops every cache it feeds, listens again on a new session by itself, and hears messages there', async () => {
    const bus = vault.get(InvalidationBus);
    const before = bus.status();
    expect(before).toMatchObject({ transport: 'postgres', listening: true });
    // Two cached entries no message will ever invalidate: a key revoked and a data key deleted
    // behind the vault's back. Only the reset of a reconnect can drop them (the test clock never
    // moves, so no TTL ends).
    const project = await aProject(vault);
    expect(await authenticate(vault, project.key)).toBe('ok');
    const ref = { recordType: 'bus_probe', recordId: `probe_${randomBytes(6).toString('hex')}`, field: 'value' };
    await vault
      .get(SecretsService)
      .put({ projectId: project.projectId, tenantExternalId: asTenantExternalId('org_reconnect') }, ref, 'cached');
    const [row] = await vault.db.query<{ ciphertext: Uint8Array; tenant_id: string }>(
      'SELECT ciphertext, tenant_id FROM secrets WHERE record_id = $1',
      [ref.recordId],
    );
    const ctx = { projectId: project.projectId, tenantId: row.tenant_id, ...ref };
    await vault.db.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [project.keyId]);
    await vault.db.query('DELETE FROM data_keys WHERE tenant_id = $1', [row.tenant_id]);
    expect(await authenticate(vault, project.key)).toBe('ok');
    expect((await vault.get(Envelope).decrypt(ctx, Buffer.from(row.ciphertext))).toString()).toBe('cached');

    await vault.db.query('SELECT pg_terminate_backend($1)', [before.backendPid]);
    await vi.waitFor(() => {
      const now = bus.status();
      expect(now.listening).toBe(true);
      expect(now.backendPid).not.toBe(before.backendPid);
    }, RECONNECT);

    expect(await authenticate(vault, project.key)).toBe('revoked_api_key');
    await expect(vault.get(Envelope).decrypt(ctx, Buffer.from(row.ciphertext))).rejects.toMatchObject({
      reason: 'data_key_missing',
    });
    const heard: string[] = [];
    const off = bus.subscribe('credential.changed', (m) => heard.push(m.id));
    await notify(sentinel('con_after'));
    await vi.waitFor(() => expect(heard).toEqual(['con_after']), { timeout: 1_000, interval: 10 });
    off();
  });

  it('reports not ready and drops its caches every second while it cannot listen, then recovers', async () => {
    const bus = vault.get(InvalidationBus);
    const database = new URL(vault.db.url!).pathname.slice(1);
    // The test database's name is generated (authpipe_test_<hex>): safe to put in the statement.
    expect(database).toMatch(/^authpipe_test_[0-9a-f]+$/);
    const admin = new pg.Client({ connectionString: postgres });
    await admin.connect();
    let resets = 0;
    const off = bus.onReset(() => resets++);
    try {
      // New sessions are refused from now on; the pool's open connections keep serving.
      await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
      await admin.query('SELECT pg_terminate_backend($1)', [bus.status().backendPid]);
      await vi.waitFor(() => expect(bus.status().listening).toBe(false), RECONNECT);

      const ready = await vault.api().get('/readyz').expect(503);
      expect(ready.body.error.code).toBe('not_ready');
      expect(ready.body.error.details.error.invalidationBus).toMatchObject({
        status: 'down',
        transport: 'postgres',
        listening: false,
      });
      const metrics = await vault.api().get('/metrics').expect(200);
      expect(metrics.text).toMatch(/^authpipe_invalidation_bus_listening 0$/m);

      // Still correct while deaf: a revocation no message can bring is seen after the next reset.
      const project = await aProject(vault);
      expect(await authenticate(vault, project.key)).toBe('ok');
      await vault.db.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [project.keyId]);
      const resetsThen = resets;
      await vi.waitFor(() => expect(resets).toBeGreaterThanOrEqual(resetsThen + 2), RECONNECT);
      expect(await authenticate(vault, project.key)).toBe('revoked_api_key');
    } finally {
      await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`);
      await admin.end();
      off();
    }
    await vi.waitFor(() => expect(bus.status().listening).toBe(true), RECONNECT);
    await vault.api().get('/readyz').expect(200);
  });
});
