import { beforeAll, describe, expect, it } from 'vitest';
import { WebhookEndpointsRepository } from '../../../apps/vault/src/webhooks/webhook-endpoints.repository';
import { WebhookDispatcher } from '../../../apps/vault/src/webhooks/webhook-dispatcher';
import { EventsService } from '../../../apps/vault/src/events/events.service';
import { aProject, bearer, HOUR_MS, type TestProject } from '@test/support/builders';
import { TestClock } from '@test/support/test-clock';
import { createTestVault, useTestVault } from '@test/support/test-vault';
import {
  useWebhookReceiver,
  verifyWebhook,
  verifyWithStandardWebhooks,
  WebhookVerificationError,
} from '@test/support/webhook-receiver';
import { anEndpoint, catchUp, pump, statusChanged } from '@test/support/webhook-world';

describe('Webhooks (Standard Webhooks)', () => {
  const clock = new TestClock();
  const receiver = useWebhookReceiver(() => clock);
  const vault = useTestVault(() => ({ clock, env: receiver.env }));
  let project: TestProject;

  beforeAll(async () => {
    project = await aProject(vault, 'webhooks');
  });

  const to = (name: string) => receiver.received.filter((r) => r.path === `/hooks/${name}`);

  it('signs each delivery so the standardwebhooks library verifies it, with the event id as webhook-id', async () => {
    const endpoint = await anEndpoint(vault, project, { url: receiver.urlFor('signing') });
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const event = (await statusChanged(vault, project.projectId, 'con_sign', 'needs_reauth')) as { id: string };

    await pump(vault);

    const [request] = to('signing');
    expect(request.headers['webhook-id']).toBe(event.id);
    expect(request.headers['webhook-timestamp']).toBe(String(Math.floor(clock.nowMs / 1000)));
    expect(request.headers['content-type']).toBe('application/json');
    const message = verifyWithStandardWebhooks(request, endpoint.secret);
    expect(message).toMatchObject({
      type: 'credential.status_changed',
      data: { credentialId: 'con_sign', to: 'needs_reauth', eventId: event.id, tenantId: 'org_acme', sequence: 1 },
    });
    // @authpipe/node's receiving side agrees, and refuses a forged or stale message.
    const headers = request.headers as Record<string, string>;
    expect(verifyWebhook(request.body, headers, endpoint.secret, { now: () => request.receivedAtMs })).toEqual(message);
    expect(() =>
      verifyWebhook(request.body.replace('needs_reauth', 'active'), headers, endpoint.secret, {
        now: () => request.receivedAtMs,
      }),
    ).toThrow(WebhookVerificationError);
    expect(() =>
      verifyWebhook(request.body, headers, endpoint.secret, { now: () => request.receivedAtMs + 10 * 60_000 }),
    ).toThrow(/tolerance/);
    // The secret is shown once: never in a read of the endpoint.
    const read = await vault.api().get(`/v1/webhook-endpoints/${endpoint.id}`).set(bearer(project.key));
    expect(JSON.stringify(read.body)).not.toContain(endpoint.secret.slice(6));
    expect(read.body.secrets).toHaveLength(1);
    // Never logged, never stored in the clear.
    const key = endpoint.secret.slice('whsec_'.length);
    expect(vault.logs.text()).not.toContain(key);
    const stored = await vault.db.query<{ ciphertext: Buffer }>(
      `SELECT ciphertext FROM secrets WHERE record_type = 'webhook_secret' AND project_id = $1`,
      [project.projectId],
    );
    expect(stored).toHaveLength(1);
    expect(stored[0].ciphertext.includes(Buffer.from(key, 'base64'))).toBe(false);
  });

  it('delivers only the event types an endpoint asked for (a type or a family)', async () => {
    const p = await aProject(vault, 'filters');
    await anEndpoint(vault, p, { url: receiver.urlFor('filter-exact'), eventTypes: ['credential.recovered'] });
    await anEndpoint(vault, p, { url: receiver.urlFor('filter-family'), eventTypes: ['credential.*'] });
    await statusChanged(vault, p.projectId, 'con_f', 'revoked');
    await catchUp(vault);
    await vault.get(EventsService).append(p.projectId, null, 'app.checked', { appId: 'app_x', ok: true });
    await pump(vault);
    expect(to('filter-exact')).toHaveLength(0);
    expect(to('filter-family').map((r) => JSON.parse(r.body).type)).toEqual(['credential.status_changed']);
  });

  it('makes no deliveries for events while an endpoint is disabled, and holds the ones already queued', async () => {
    const p = await aProject(vault, 'paused');
    const endpoint = await anEndpoint(vault, p, { url: receiver.urlFor('paused') });
    const path = `/v1/webhook-endpoints/${endpoint.id}`;
    await statusChanged(vault, p.projectId, 'con_queued', 'revoked');
    await catchUp(vault);
    await vault.api().patch(path).set(bearer(p.key)).send({ disabled: true }).expect(200);
    await statusChanged(vault, p.projectId, 'con_while_off', 'revoked');
    await pump(vault);
    expect(to('paused')).toHaveLength(0);
    await vault.api().patch(path).set(bearer(p.key)).send({ disabled: false }).expect(200);
    await pump(vault);
    expect(to('paused').map((r) => verifyWithStandardWebhooks(r, endpoint.secret).data.credentialId)).toEqual([
      'con_queued',
    ]);
  });

  it('signs with every active secret during a rotation overlap, and with the new one only after it', async () => {
    const p = await aProject(vault, 'rotation');
    const endpoint = await anEndpoint(vault, p, { url: receiver.urlFor('rotation') });
    const rotated = await vault
      .api()
      .post(`/v1/webhook-endpoints/${endpoint.id}/rotate-secret`)
      .set(bearer(p.key))
      .send({ overlapSeconds: 3600 });
    expect(rotated.status).toBe(200);
    const next = rotated.body.secret as string;
    expect(next).not.toBe(endpoint.secret);
    expect(rotated.body.secrets).toHaveLength(2);

    await statusChanged(vault, p.projectId, 'con_rot', 'degraded');
    await pump(vault);
    const during = to('rotation')[0];
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifyWithStandardWebhooks(during, endpoint.secret).type).toBe('credential.status_changed');
    expect(verifyWithStandardWebhooks(during, next).type).toBe('credential.status_changed');

    clock.advance(HOUR_MS + 1000);
    await statusChanged(vault, p.projectId, 'con_rot', 'active');
    await pump(vault);
    const after = to('rotation')[1];
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(verifyWithStandardWebhooks(after, next).data).toMatchObject({ to: 'active', sequence: 2 });
    expect(() => verifyWithStandardWebhooks(after, endpoint.secret)).toThrow(/No matching signature/);
  });

  it('replays one delivery, or every delivery of a time range, with the same webhook-id', async () => {
    const p = await aProject(vault, 'replay');
    const endpoint = await anEndpoint(vault, p, { url: receiver.urlFor('replay') });
    const since = clock.iso();
    await statusChanged(vault, p.projectId, 'con_r1', 'revoked');
    await statusChanged(vault, p.projectId, 'con_r2', 'revoked');
    await pump(vault);
    const log = await vault.api().get(`/v1/webhook-endpoints/${endpoint.id}/deliveries`).set(bearer(p.key));
    expect(log.body.data.map((d: { status: string }) => d.status)).toEqual(['succeeded', 'succeeded']);
    const first = log.body.data[0] as { id: string; eventId: string };

    clock.advance(60_000);
    const one = await vault
      .api()
      .post(`/v1/webhook-endpoints/${endpoint.id}/deliveries/${first.id}/replay`)
      .set(bearer(p.key));
    expect(one.status, JSON.stringify(one.body)).toBe(202);
    await pump(vault);
    // The first two went out at once (two credentials, no order between them); then the replay.
    const ids = to('replay').map((r) => r.headers['webhook-id']);
    expect(new Set(ids.slice(0, 2))).toEqual(new Set([first.eventId, log.body.data[1].eventId]));
    expect(ids.slice(2)).toEqual([first.eventId]);
    expect(verifyWithStandardWebhooks(to('replay')[2], endpoint.secret).data).toMatchObject({ credentialId: 'con_r1' });

    const range = await vault
      .api()
      .post(`/v1/webhook-endpoints/${endpoint.id}/replay`)
      .set(bearer(p.key))
      .send({ since });
    expect(range.body).toEqual({ replayed: 2 });
    await pump(vault);
    expect(to('replay')).toHaveLength(5);
  });

  it('refuses endpoint URLs that are not https or point at loopback, link-local or private networks', async () => {
    for (const url of [
      'http://hooks.example.com/x',
      'https://169.254.169.254/latest/meta-data',
      'https://10.1.2.3/hook',
      'https://[::1]/hook',
      'https://user:pass@hooks.example.com/x',
    ]) {
      const res = await vault.api().post('/v1/webhook-endpoints').set(bearer(project.key)).send({ url });
      expect(res.status, url).toBe(400);
      expect(res.body.error.code).toBe('webhook_url_not_allowed');
      expect(res.body.error.remediation).toContain('AUTHPIPE_WEBHOOK_ALLOW_PRIVATE_NETWORKS');
    }
  });

  it('refuses at connect time a target the operator did not allow (a name that resolves there later)', async () => {
    // A vault with no private network allowed: the receiver's loopback address is refused when the
    // dispatcher connects, whatever the stored URL said when it was checked.
    const strict = await createTestVault({
      clock,
      env: { AUTHPIPE_WEBHOOK_CA_FILE: receiver.env.AUTHPIPE_WEBHOOK_CA_FILE },
    });
    try {
      const p = await aProject(strict, 'strict');
      const created = await strict
        .api()
        .post('/v1/webhook-endpoints')
        .set(bearer(p.key))
        .send({ url: receiver.urlFor('strict') });
      expect(created.body.error.code).toBe('webhook_url_not_allowed');
      // As if the name had resolved to a public address at creation: stored without the check.
      await strict.get(WebhookEndpointsRepository).create(
        p.projectId,
        {
          id: 'ep_rebound',
          url: receiver.urlFor('strict').replace('127.0.0.1', 'localhost'),
          description: null,
          eventTypes: [],
        },
        'whs_rebound',
        clock.date(),
      );
      await statusChanged(strict, p.projectId, 'con_s', 'revoked');
      await catchUp(strict);
      await strict.get(WebhookDispatcher).dispatch();
      const log = await strict.api().get('/v1/webhook-endpoints/ep_rebound/deliveries').set(bearer(p.key));
      expect(log.body.data[0]).toMatchObject({ status: 'pending', attempts: 1, lastError: 'destination_not_allowed' });
      expect(to('strict')).toHaveLength(0);
    } finally {
      await strict.close();
    }
  });

  it("keeps projects apart: another project's endpoint answers like a missing one, and gets none of its events", async () => {
    const a = await aProject(vault, 'tenant-a');
    const b = await aProject(vault, 'tenant-b');
    const ea = await anEndpoint(vault, a, { url: receiver.urlFor('iso-a') });
    await anEndpoint(vault, b, { url: receiver.urlFor('iso-b') });
    await statusChanged(vault, a.projectId, 'con_iso', 'revoked');
    await pump(vault);
    expect(to('iso-a')).toHaveLength(1);
    expect(to('iso-b')).toHaveLength(0);

    const missing = await vault.api().get('/v1/webhook-endpoints/ep_doesnotexist').set(bearer(b.key));
    const others = [
      await vault.api().get(`/v1/webhook-endpoints/${ea.id}`).set(bearer(b.key)),
      await vault.api().patch(`/v1/webhook-endpoints/${ea.id}`).set(bearer(b.key)).send({ disabled: true }),
      await vault.api().delete(`/v1/webhook-endpoints/${ea.id}`).set(bearer(b.key)),
      await vault.api().get(`/v1/webhook-endpoints/${ea.id}/deliveries`).set(bearer(b.key)),
      await vault.api().post(`/v1/webhook-endpoints/${ea.id}/rotate-secret`).set(bearer(b.key)).send({}),
      await vault
        .api()
        .post(`/v1/webhook-endpoints/${ea.id}/replay`)
        .set(bearer(b.key))
        .send({ since: clock.iso(-HOUR_MS) }),
    ];
    for (const res of others) {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe(missing.body.error.code);
    }
    const listed = await vault.api().get('/v1/webhook-endpoints').set(bearer(b.key));
    expect(listed.body.data.map((e: { id: string }) => e.id)).not.toContain(ea.id);
    const still = await vault.api().get(`/v1/webhook-endpoints/${ea.id}`).set(bearer(a.key));
    expect(still.body.disabled).toBe(false);
  });

  it('deletes an endpoint with its secrets and deliveries', async () => {
    const p = await aProject(vault, 'delete');
    const endpoint = await anEndpoint(vault, p, { url: receiver.urlFor('delete') });
    await statusChanged(vault, p.projectId, 'con_del', 'revoked');
    await pump(vault);
    const res = await vault.api().delete(`/v1/webhook-endpoints/${endpoint.id}`).set(bearer(p.key));
    expect(res.status).toBe(204);
    const left = await vault.db.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = $1)::int
            + (SELECT count(*) FROM webhook_secrets WHERE endpoint_id = $1)::int
            + (SELECT count(*) FROM secrets WHERE record_type = 'webhook_secret' AND project_id = $2)::int AS n`,
      [endpoint.id, p.projectId],
    );
    expect(left[0].n).toBe(0);
  });
});
