// Shared set-up of the webhook suites: a vault that trusts and may reach the test receiver, and
// the two jobs a test runs by hand (cron is stopped in test vaults): the event stream consumer
// (outbox) and the dispatcher.
import { expect } from 'vitest';
import { asTenantExternalId } from '../../apps/vault/src/common/tenant-ids';
import { EventStreamConsumer } from '../../apps/vault/src/events/event-stream.consumer';
import { EventsService } from '../../apps/vault/src/events/events.service';
import type { EventPayload } from '../../apps/vault/src/events/events.types';
import { WebhookDispatcher } from '../../apps/vault/src/webhooks/webhook-dispatcher';
import { bearer, type TestProject } from '@test/support/builders';
import type { TestVault } from '@test/support/test-vault';

/**
 * Runs the event stream consumer until it has processed every event committed before the call.
 * On PostgreSQL the consumer reads only transactions older than every one still running in the
 * cluster (so a late commit is never skipped), and test files run in parallel on one cluster: a
 * transaction of another file's database can hold back this one's events for a moment. Polls
 * until the cursor passes them (30 s at most).
 */
export async function catchUp(vault: TestVault): Promise<void> {
  const [target] = await vault.db.query<{ tx_id: string; seq: string }>(
    `SELECT tx_id::text, seq::text FROM events ORDER BY tx_id DESC, seq DESC LIMIT 1`,
  );
  const deadline = Date.now() + 30_000;
  for (;;) {
    await vault.get(EventStreamConsumer).drain();
    if (target === undefined) return;
    const [cursor] = await vault.db.query<{ done: boolean }>(
      `SELECT (tx_id, seq) >= ($1::bigint, $2::bigint) AS done FROM event_cursors WHERE name = 'event-stream'`,
      [target.tx_id, target.seq],
    );
    if (cursor?.done === true) return;
    if (Date.now() > deadline) throw new Error('The event stream consumer did not catch up within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Runs the outbox and the dispatcher until nothing is due now. */
export async function pump(vault: TestVault): Promise<void> {
  await catchUp(vault);
  await vault.get(WebhookDispatcher).dispatch();
}

/** Moves the test clock in `stepMs` steps for `totalMs`, pumping after each (retries fall due). */
export async function runFor(vault: TestVault, totalMs: number, stepMs: number, until?: () => boolean): Promise<void> {
  for (let elapsed = 0; elapsed < totalMs; elapsed += stepMs) {
    if (until?.()) return;
    vault.clock.advance(stepMs);
    await pump(vault);
  }
}

/** An endpoint made through the API; returns its id and its secret (shown once). */
export async function anEndpoint(
  vault: TestVault,
  project: TestProject,
  body: Record<string, unknown>,
): Promise<{ id: string; secret: string }> {
  const res = await vault.api().post('/v1/webhook-endpoints').set(bearer(project.key)).send(body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id: res.body.id as string, secret: res.body.secret as string };
}

/** A credential event, as the refresh service writes it. */
export function statusChanged(
  vault: TestVault,
  projectId: string,
  credentialId: string,
  to: string,
  extra: EventPayload = {},
): Promise<unknown> {
  return vault.get(EventsService).append(projectId, asTenantExternalId('org_acme'), 'credential.status_changed', {
    credentialId,
    kind: 'connection',
    from: 'active',
    to,
    aadsts: null,
    error: null,
    ...extra,
  });
}
