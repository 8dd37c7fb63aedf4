import { createHmac, randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { aCredential } from '../test/stand-in-server';
import { Authpipe } from './client';
import {
  createWebhookHandler,
  credentialIdOf,
  verifyWebhook,
  WebhookVerificationError,
  type WebhookMessage,
} from './webhooks';

const NOW_MS = Date.now();
const nowSeconds = Math.floor(NOW_MS / 1000);
const aSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

/** Signs like the vault: v1, HMAC-SHA256 over `id.timestamp.body` keyed by the secret's bytes. */
function sign(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

function delivery(
  secret: string,
  message: WebhookMessage<unknown>,
  { id = 'evt_1', timestamp = nowSeconds }: { id?: string; timestamp?: number } = {},
) {
  const body = JSON.stringify(message);
  const headers = {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': sign(secret, id, timestamp, body),
  };
  return { body, headers };
}

const statusChanged = (credentialId: string): WebhookMessage<unknown> => ({
  type: 'credential.status_changed',
  timestamp: new Date(NOW_MS).toISOString(),
  data: { credentialId, kind: 'connection', from: 'active', to: 'needs_reauth', tenantId: 'org_acme', sequence: 2 },
});

describe(verifyWebhook.name, () => {
  const now = () => NOW_MS;

  it('returns the parsed message of a validly signed delivery', () => {
    const secret = aSecret();
    const { body, headers } = delivery(secret, statusChanged('con_1'));
    expect(verifyWebhook(body, headers, secret, { now })).toEqual(statusChanged('con_1'));
    expect(verifyWebhook(Buffer.from(body), headers, secret, { now })).toEqual(statusChanged('con_1'));
  });

  it('verifies a signature made by the independent standardwebhooks library', () => {
    const secret = aSecret();
    const body = JSON.stringify(statusChanged('con_2'));
    const signature = new Webhook(secret).sign('msg_lib', new Date(nowSeconds * 1000), body);
    const headers = {
      'webhook-id': 'msg_lib',
      'webhook-timestamp': String(nowSeconds),
      'webhook-signature': signature,
    };
    expect(verifyWebhook(body, headers, secret, { now })).toEqual(statusChanged('con_2'));
  });

  it('accepts any one of several signatures, and any one of several secrets, during a rotation', () => {
    const [oldSecret, newSecret, otherSecret] = [aSecret(), aSecret(), aSecret()];
    const body = JSON.stringify(statusChanged('con_3'));
    const headers = {
      'webhook-id': 'evt_r',
      'webhook-timestamp': String(nowSeconds),
      'webhook-signature': `${sign(otherSecret, 'evt_r', nowSeconds, body)} ${sign(newSecret, 'evt_r', nowSeconds, body)}`,
    };
    expect(verifyWebhook(body, headers, newSecret, { now }).type).toBe('credential.status_changed');
    expect(verifyWebhook(body, headers, [oldSecret, newSecret], { now }).type).toBe('credential.status_changed');
    expect(() => verifyWebhook(body, headers, oldSecret, { now })).toThrow('No matching signature');
  });

  it('refuses a tampered body and a wrong secret', () => {
    const secret = aSecret();
    const { body, headers } = delivery(secret, statusChanged('con_4'));
    expect(() => verifyWebhook(body.replace('needs_reauth', 'active'), headers, secret, { now })).toThrow(
      WebhookVerificationError,
    );
    expect(() => verifyWebhook(body, headers, aSecret(), { now })).toThrow(WebhookVerificationError);
    expect(() => verifyWebhook(body, { ...headers, 'webhook-id': 'evt_other' }, secret, { now })).toThrow(
      'No matching signature',
    );
  });

  it('refuses a timestamp outside the tolerance either way, judged by the injected clock', () => {
    const secret = aSecret();
    const { body, headers } = delivery(secret, statusChanged('con_5'));
    const at = (offsetMs: number) => () => NOW_MS + offsetMs;
    expect(verifyWebhook(body, headers, secret, { now: at(299_000) }).type).toBe('credential.status_changed');
    expect(() => verifyWebhook(body, headers, secret, { now: at(301_000) })).toThrow('outside the tolerance');
    expect(() => verifyWebhook(body, headers, secret, { now: at(-301_000) })).toThrow('outside the tolerance');
    expect(verifyWebhook(body, headers, secret, { now: at(3_000_000), toleranceSeconds: 3_600 }).data).toBeTruthy();
    expect(() => verifyWebhook(body, { ...headers, 'webhook-timestamp': 'soon' }, secret, { now })).toThrow(
      'Invalid webhook-timestamp',
    );
  });

  it('refuses a delivery missing any of the three headers, and reads names in any case or from Headers', () => {
    const secret = aSecret();
    const { body, headers } = delivery(secret, statusChanged('con_6'));
    for (const name of Object.keys(headers)) {
      const without = Object.fromEntries(Object.entries(headers).filter(([key]) => key !== name));
      expect(() => verifyWebhook(body, without, secret, { now })).toThrow('Missing webhook headers');
    }
    const upper = Object.fromEntries(Object.entries(headers).map(([key, value]) => [key.toUpperCase(), value]));
    expect(verifyWebhook(body, upper, secret, { now }).type).toBe('credential.status_changed');
    expect(verifyWebhook(body, new Headers(headers), secret, { now }).type).toBe('credential.status_changed');
  });

  it('takes the secret with or without its whsec_ prefix, and refuses an empty one', () => {
    const secret = aSecret();
    const { body, headers } = delivery(secret, statusChanged('con_7'));
    expect(verifyWebhook(body, headers, secret.slice('whsec_'.length), { now }).type).toBe('credential.status_changed');
    expect(() => verifyWebhook(body, headers, 'whsec_', { now })).toThrow(TypeError);
    expect(() => verifyWebhook(body, headers, [], { now })).toThrow(TypeError);
  });
});

describe(createWebhookHandler.name, () => {
  it('calls the handler of the type once per webhook-id and refuses a forged message', async () => {
    const secret = aSecret();
    const seen: string[] = [];
    const handle = createWebhookHandler({
      secret,
      on: { 'credential.status_changed': (message) => void seen.push(String(message.data.credentialId)) },
      verify: { now: () => NOW_MS },
    });
    const { body, headers } = delivery(secret, statusChanged('con_8'));
    await expect(handle(body, headers)).resolves.toBe('handled');
    await expect(handle(body, headers)).resolves.toBe('duplicate');
    await expect(handle(body, { ...headers, 'webhook-signature': 'v1,AAAA' })).rejects.toThrow(
      WebhookVerificationError,
    );
    expect(seen).toEqual(['con_8']);
  });
});

describe(credentialIdOf.name, () => {
  it.each([
    ['credential.status_changed', { credentialId: 'con_1' }, 'con_1'],
    ['credential.recovered', { credentialId: 'ins_1' }, 'ins_1'],
    ['connection.deleted', { connectionId: 'con_2' }, 'con_2'],
    ['connection.reauthorized', { connectionId: 'con_3' }, 'con_3'],
    ['installation.deleted', { installationId: 'ins_2' }, 'ins_2'],
    ['installation.reauthorized', { installationId: 'ins_3' }, 'ins_3'],
    ['connection.created', { connectionId: 'con_4' }, undefined],
    ['app.updated', { appId: 'app_1' }, undefined],
  ])('reads the credential id of %s', (type, data, expected) => {
    expect(credentialIdOf({ type, timestamp: '', data })).toBe(expected);
  });
});

describe('Authpipe.handleWebhook', () => {
  const input = { provider: 'microsoft-onedrive', tenantId: 'org_acme', userId: 'u1', credentialFor: 'user' } as const;

  function counting(clock: () => number) {
    const requests: string[] = [];
    const client = new Authpipe({
      secretKey: 'sk_test_1',
      baseUrl: 'https://vault.example.test',
      now: clock,
      fetch: (url) => {
        requests.push(String(url));
        return Promise.resolve(Response.json(aCredential(clock(), 3_600_000, { credentialId: 'con_1' })));
      },
    });
    return { client, requests };
  }

  it('evicts the credential a credential event names, so the next getCredential asks the vault', async () => {
    const { client, requests } = counting(() => NOW_MS);
    const secret = aSecret();
    await client.getCredential(input);
    await client.getCredential(input);
    expect(requests).toHaveLength(1);

    const other = delivery(secret, statusChanged('con_other'), { id: 'evt_a' });
    expect(client.handleWebhook(other.body, other.headers, secret)).toMatchObject({
      credentialId: 'con_other',
      evicted: 0,
    });
    await client.getCredential(input);
    expect(requests).toHaveLength(1);

    const mine = delivery(secret, statusChanged('con_1'), { id: 'evt_b' });
    expect(client.handleWebhook(mine.body, mine.headers, secret)).toMatchObject({ credentialId: 'con_1', evicted: 1 });
    await client.getCredential(input);
    expect(requests).toHaveLength(2);

    const deleted = delivery(secret, {
      type: 'connection.deleted',
      timestamp: '',
      data: { connectionId: 'con_1', userId: 'u1' },
    });
    expect(client.handleWebhook(deleted.body, deleted.headers, secret).evicted).toBe(1);
    await client.getCredential(input);
    expect(requests).toHaveLength(3);
  });

  it("judges the timestamp by the client's clock and evicts nothing for a refused message", async () => {
    const moved = NOW_MS + 400 * 86_400_000;
    const { client, requests } = counting(() => moved);
    const secret = aSecret();
    await client.getCredential(input);
    const fresh = delivery(secret, statusChanged('con_1'), { timestamp: Math.floor(moved / 1000) });
    const stale = delivery(secret, statusChanged('con_1'));
    expect(() => client.handleWebhook(stale.body, stale.headers, secret)).toThrow('outside the tolerance');
    expect(() => client.handleWebhook(fresh.body, fresh.headers, aSecret())).toThrow(WebhookVerificationError);
    await client.getCredential(input);
    expect(requests).toHaveLength(1);
    expect(client.handleWebhook(stale.body, stale.headers, secret, { now: () => NOW_MS }).evicted).toBe(1);
    expect(client.handleWebhook(fresh.body, fresh.headers, secret).evicted).toBe(0);
  });
});
