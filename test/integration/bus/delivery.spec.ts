// How the bus delivers: only what commits, after it commits, to every replica over the database,
// and nothing that is not in its catalog. Two vaults over one database are two replicas (see
// replicas.spec.ts); on PostgreSQL a raw client also speaks on the channel, as a third party.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { InvalidationBusError } from '../../../apps/vault/src/bus/bus.errors';
import {
  BUS_CHANNEL,
  decodeWire,
  encodeWire,
  wirePrefix,
  type InvalidationMessage,
} from '../../../apps/vault/src/bus/bus.messages';
import { InvalidationBus } from '../../../apps/vault/src/bus/invalidation-bus';
import { UnitOfWork } from '../../../apps/vault/src/database/unit-of-work';
import { useTestVault, type TestVault } from '../../support/test-vault';

const changed = (id: string) =>
  ({ type: 'credential.changed', projectId: 'prj_bus', kind: 'installation', id }) as const;

/** Ids of every credential.changed the vault's bus delivered to its subscribers, in order. */
function delivered(vault: TestVault): { ids: string[]; stop: () => void } {
  const ids: string[] = [];
  const stop = vault.get(InvalidationBus).subscribe('credential.changed', (m) => ids.push(m.id));
  return { ids, stop };
}

// The deadline of a message between replicas (the "within a second").
const DELIVERY = { timeout: 1_000, interval: 10 };

describe(InvalidationBus.name, () => {
  const a = useTestVault({ replicaId: 'bus-a' });
  const b = useTestVault(() => ({
    database: a.db,
    replicaId: 'bus-b',
    env: { AUTHPIPE_MASTER_KEYS: a.env.AUTHPIPE_MASTER_KEYS },
  }));
  /** PostgreSQL only: a session of the test's own, outside both vaults. */
  let raw: pg.Client | null = null;
  const onPostgres = Boolean(process.env.DATABASE_URL);

  beforeAll(async () => {
    if (!a.db.url) return;
    raw = new pg.Client({ connectionString: a.db.url });
    await raw.connect();
  });
  afterAll(async () => {
    await raw?.end();
  });

  /**
   * Makes "nothing more arrives" observable without sleeping: notifications reach a listener in
   * commit order, so once a sentinel committed later has arrived, an earlier message would have too.
   * The sentinel is awaited in both vaults, through subscriptions of its own: one that reached only
   * one of them could still be on its way to the other, and would land in the next test's lists.
   * On PGlite delivery is synchronous at commit: there is nothing in flight to wait for.
   */
  async function settled(sentinel: string): Promise<void> {
    if (!raw) return;
    const [inA, inB] = [delivered(a), delivered(b)];
    try {
      const wire = encodeWire({ origin: 'test', replica: 'test', message: changed(sentinel) });
      await raw.query('SELECT pg_notify($1, $2)', [BUS_CHANNEL, wire]);
      await vi.waitFor(() => {
        expect(inA.ids).toContain(sentinel);
        expect(inB.ids).toContain(sentinel);
      }, DELIVERY);
    } finally {
      inA.stop();
      inB.stop();
    }
  }

  describe('publish', () => {
    it('delivers nothing, to any replica, when the unit of work rolls back', async () => {
      const [inA, inB] = [delivered(a), delivered(b)];
      await expect(
        a.get(UnitOfWork).run(async () => {
          await a.get(InvalidationBus).publish(changed('rolled_back'));
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      await settled('after_rollback');
      expect(inA.ids.filter((id) => id === 'rolled_back')).toEqual([]);
      expect(inB.ids.filter((id) => id === 'rolled_back')).toEqual([]);
      inA.stop();
      inB.stop();
    });

    it('delivers once the unit of work commits: nothing before, the publisher before run() returns', async () => {
      const [inA, inB] = [delivered(a), delivered(b)];
      await a.get(UnitOfWork).run(async () => {
        await a.get(InvalidationBus).publish(changed('committed'));
        // A NOTIFY sent outside the transaction would have reached b before this later one.
        await settled('while_open');
        expect(inA.ids).not.toContain('committed');
        expect(inB.ids).not.toContain('committed');
      });
      expect(inA.ids).toContain('committed');
      await vi.waitFor(() => expect(inB.ids).toContain('committed'), DELIVERY);
      inA.stop();
      inB.stop();
    });

    it('holds a message published in a nested unit of work until the outermost one commits', async () => {
      const [inA, inB] = [delivered(a), delivered(b)];
      const uow = a.get(UnitOfWork);
      await expect(
        uow.run(async () => {
          await uow.run(() => a.get(InvalidationBus).publish(changed('nested')));
          expect(inA.ids).not.toContain('nested');
          throw new Error('outer rolls back');
        }),
      ).rejects.toThrow('outer rolls back');
      await settled('after_nested');
      expect([...inA.ids, ...inB.ids]).not.toContain('nested');
      inA.stop();
      inB.stop();
    });

    it('delivers at once outside a unit of work, to the publisher before publish() returns', async () => {
      const [inA, inB] = [delivered(a), delivered(b)];
      await a.get(InvalidationBus).publish(changed('outside'));
      expect(inA.ids).toEqual(['outside']);
      await vi.waitFor(() => expect(inB.ids).toEqual(['outside']), DELIVERY);
      // Its own echo from PostgreSQL is skipped: it applied the message already.
      await settled('after_echo');
      expect(inA.ids.filter((id) => id === 'outside')).toEqual(['outside']);
      inA.stop();
      inB.stop();
    });

    it.each([
      [
        'a field naming a secret',
        { type: 'api_key.changed', publicId: 'abc', secretHash: 'canary-value' },
        'bus_message_names_secret',
      ],
      [
        'a token in a message',
        { type: 'credential.changed', projectId: 'p', kind: 'connection', id: 'c', accessToken: 'canary-value' },
        'bus_message_names_secret',
      ],
      [
        'a field outside the catalog',
        { type: 'api_key.changed', publicId: 'abc', tenantId: 'canary-value' },
        'bus_message_invalid',
      ],
      ['an unknown type', { type: 'tenant.renamed', projectId: 'p' }, 'bus_message_invalid'],
      [
        'a wrong field value',
        { type: 'credential.changed', projectId: 'p', kind: 'canary-value', id: 'c' },
        'bus_message_invalid',
      ],
      ['a missing field', { type: 'data_key.changed', projectId: 'p' }, 'bus_message_invalid'],
    ])('refuses %s with a stable code and sends nothing', async (_name, message, code) => {
      const inB = delivered(b);
      const sent = a.get(InvalidationBus).publish(message as unknown as InvalidationMessage);
      await expect(sent).rejects.toBeInstanceOf(InvalidationBusError);
      await expect(sent).rejects.toMatchObject({ code });
      // The error names fields, never their values.
      await expect(sent).rejects.not.toThrow(/canary/);
      await settled(`after_${code}`);
      expect(inB.ids.filter((id) => !id.startsWith('after_'))).toEqual([]);
      inB.stop();
    });
  });

  describe('status', () => {
    it('is listening on a healthy database, and /readyz and /metrics say so', async () => {
      const transport = onPostgres ? 'postgres' : 'in-process';
      expect(a.get(InvalidationBus).status()).toMatchObject({ transport, listening: true });
      const ready = await a.api().get('/readyz').expect(200);
      expect(ready.body.details.invalidationBus).toMatchObject({ status: 'up', transport, listening: true });
      const metrics = await a.api().get('/metrics').expect(200);
      expect(metrics.text).toMatch(/^authpipe_invalidation_bus_listening 1$/m);
      expect(metrics.text).toMatch(
        /^authpipe_invalidation_messages_total\{type="credential.changed",direction="published"\} \d+$/m,
      );
    });
  });
});

describe('the wire format', () => {
  const message = changed('ins_1');

  it('round-trips a message with its origin and replica', () => {
    expect(decodeWire(encodeWire({ origin: 'o1', replica: 'host:1:abc', message }))).toEqual({
      kind: 'message',
      origin: 'o1',
      replica: 'host:1:abc',
      message,
    });
  });

  it("begins every payload with its origin's prefix, which no other origin's payload shares", () => {
    const own = encodeWire({ origin: 'a1b2', replica: 'host:1:abc', message });
    expect(own.startsWith(wirePrefix('a1b2'))).toBe(true);
    expect(own.startsWith(wirePrefix('a1b'))).toBe(false);
    expect(encodeWire({ origin: 'a1b', replica: 'a1b2', message }).startsWith(wirePrefix('a1b2'))).toBe(false);
  });

  it('tells a type this build does not know from an unreadable payload', () => {
    const newer = JSON.stringify({ v: 1, origin: 'o', replica: 'r', message: { type: 'tenant.renamed' } });
    expect(decodeWire(newer)).toEqual({ kind: 'unknown_type', type: 'tenant.renamed' });
    for (const payload of [
      '',
      'null',
      '{"v":2}',
      '{"v":1,"origin":"o","replica":"r","message":{"type":"api_key.changed"}}',
    ]) {
      expect(decodeWire(payload)).toEqual({ kind: 'malformed' });
    }
  });

  it("refuses what would not fit NOTIFY's 8000 bytes", () => {
    expect(() => encodeWire({ origin: 'o', replica: 'r'.repeat(8000), message })).toThrow(
      expect.objectContaining({ code: 'bus_message_too_large' }),
    );
  });
});
