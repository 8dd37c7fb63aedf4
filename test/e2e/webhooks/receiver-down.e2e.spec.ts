// Issue 10's fault: a webhook receiver down for an hour of (test) clock. Every event is delivered
// once it is back, in order per credential, each signature verified by the independent
// `standardwebhooks` library; and a delivery still failing when its 24-hour retry window closes
// becomes a dead letter without holding back that credential's later events.
import { beforeAll, describe, expect, it } from 'vitest';
import { aProject, bearer, HOUR_MS, type TestProject } from '@test/support/builders';
import { TestClock } from '@test/support/test-clock';
import { useTestVault } from '@test/support/test-vault';
import { useWebhookReceiver, verifyWithStandardWebhooks, type WebhookMessage } from '@test/support/webhook-receiver';
import { anEndpoint, pump, runFor, statusChanged } from '@test/support/webhook-world';

const MINUTE_MS = 60_000;
const STATUSES = ['degraded', 'needs_reauth', 'revoked', 'active'];

describe('A webhook receiver that is down', () => {
  const clock = new TestClock();
  const receiver = useWebhookReceiver(() => clock);
  const vault = useTestVault(() => ({ clock, env: receiver.env }));
  let project: TestProject;

  beforeAll(async () => {
    project = await aProject(vault, 'receiver-down');
  });

  const metric = async (result: string): Promise<number> => {
    const text = (await vault.api().get('/metrics')).text;
    const line = text.split('\n').find((l) => l.startsWith(`authpipe_webhook_deliveries_total{result="${result}"}`));
    return Number(line?.split(' ')[1] ?? NaN);
  };

  it('gets every event once it is back after an hour, in order per credential, each signature verified', async () => {
    const endpoint = await anEndpoint(vault, project, { url: receiver.urlFor('down') });
    const credentials = ['con_a', 'con_b', 'con_c'];
    receiver.answer(({ path }) => (path === '/hooks/down' ? 503 : 204));
    // Events interleaved across three credentials, spread over the hour the receiver is down.
    for (const status of STATUSES) {
      for (const credential of credentials) await statusChanged(vault, project.projectId, credential, status);
      await pump(vault);
      clock.advance(15 * MINUTE_MS);
    }
    const failedBefore = await metric('failed');
    expect(failedBefore).toBeGreaterThan(0);
    // Only each credential's first event was tried: the later ones wait behind it.
    const tried = receiver.received.filter((r) => r.path === '/hooks/down');
    expect(new Set(tried.map((r) => (JSON.parse(r.body) as WebhookMessage).data.sequence))).toEqual(new Set([1]));

    receiver.answer(204);
    const delivered = () => receiver.delivered().filter((r) => r.path === '/hooks/down');
    await runFor(vault, 6 * HOUR_MS, 5 * MINUTE_MS, () => delivered().length === 12);

    const messages = delivered().map((r) => verifyWithStandardWebhooks(r, endpoint.secret));
    expect(messages).toHaveLength(12);
    for (const credential of credentials) {
      const own = messages.filter((m) => m.data.credentialId === credential);
      expect(own.map((m) => m.data.sequence)).toEqual([1, 2, 3, 4]);
      expect(own.map((m) => m.data.to)).toEqual(STATUSES);
    }
    expect(new Set(delivered().map((r) => r.headers['webhook-id'])).size).toBe(12);
    const log = await vault
      .api()
      .get(`/v1/webhook-endpoints/${endpoint.id}/deliveries?limit=100`)
      .set(bearer(project.key));
    expect(log.body.data.every((d: { status: string }) => d.status === 'succeeded')).toBe(true);
    expect(log.body.data[0].attempts).toBeGreaterThan(1);
  });

  it('dead-letters a delivery still failing after 24 hours; later events of that credential go on', async () => {
    const p = await aProject(vault, 'dead-letter');
    const endpoint = await anEndpoint(vault, p, { url: receiver.urlFor('dead') });
    const deadBefore = await metric('dead');
    receiver.answer(({ path, body }) => (path === '/hooks/dead' && body.includes('"poison"') ? 500 : 204));
    await statusChanged(vault, p.projectId, 'con_dead', 'revoked', { error: 'poison' });
    await pump(vault);

    await runFor(vault, 23 * HOUR_MS, HOUR_MS);
    // Still retrying inside the window; a later event of the same credential waits behind it.
    await statusChanged(vault, p.projectId, 'con_dead', 'active');
    await pump(vault);
    const waiting = await vault.api().get(`/v1/webhook-endpoints/${endpoint.id}/deliveries`).set(bearer(p.key));
    expect(waiting.body.data.map((d: { status: string }) => d.status)).toEqual(['pending', 'pending']);
    expect(waiting.body.data[1].attempts).toBe(0);

    await runFor(vault, 3 * HOUR_MS, HOUR_MS);
    const log = await vault.api().get(`/v1/webhook-endpoints/${endpoint.id}/deliveries`).set(bearer(p.key));
    expect(log.body.data.map((d: { status: string }) => d.status)).toEqual(['dead', 'succeeded']);
    expect(log.body.data[0]).toMatchObject({ lastStatusCode: 500, lastError: 'http_500' });
    expect(log.body.data[0].attempts).toBeGreaterThan(5);
    expect(await metric('dead')).toBe(deadBefore + 1);
    const got = receiver.delivered().filter((r) => r.path === '/hooks/dead');
    expect(got.map((r) => verifyWithStandardWebhooks(r, endpoint.secret).data)).toEqual([
      expect.objectContaining({ credentialId: 'con_dead', to: 'active', sequence: 2 }),
    ]);
  });
});
