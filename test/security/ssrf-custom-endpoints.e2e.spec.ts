// Security audit item 7: server-side request forgery through an app's custom cloud endpoints.
//
// "An app's custom login/Graph origin accepts any host, and POST /v1/apps/:id/check tells open,
// closed, plain-HTTP and TLS ports apart." Anyone holding a project key could point an app at
// 169.254.169.254, an intranet host or a database port, and read the network's shape from the
// check's answers. Now: custom clouds only from the operator's allow-list
// (AUTHPIPE_CUSTOM_CLOUD_ORIGINS); loopback, link-local and private addresses refused at every
// connection unless allowed (AUTHPIPE_ALLOW_PRIVATE_NETWORKS), whatever a name resolves to; and
// one generic answer for every endpoint that gives no HTTP answer, the detail kept in the log.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../../apps/microsoft-emulator/src/emulator';
import { SEED } from '../../apps/microsoft-emulator/src/directory/seed';
import { aProject, bearer } from '@test/support/builders';
import { createTestVault, type CapturedLogs, type TestVault } from '@test/support/test-vault';
import { startProbePorts, type ProbePorts } from '@test/support/ssrf-probes';

const NO_ANSWER_LOG = 'App check: the Microsoft endpoints gave no HTTP answer';

describe('SSRF through custom cloud endpoints', () => {
  let emulator: RunningEmulator;
  let probes: ProbePorts;
  let dir: string;
  let caFile: string;
  /** The emulator reached by a name (`https://localhost:PORT`) rather than its address. */
  let byName: string;

  beforeAll(async () => {
    emulator = await startEmulator({ dataDir: null });
    probes = await startProbePorts();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'authpipe-ssrf-'));
    caFile = path.join(dir, 'emulator-ca.pem');
    await fs.writeFile(caFile, emulator.caCertPem);
    byName = `https://localhost:${new URL(emulator.baseUrl).port}`;
  });

  afterAll(async () => {
    await probes?.close();
    await emulator?.close();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  // nestjs-pino keeps one root logger per process: the vaults of this file share one capture.
  const captures = new Set<CapturedLogs>();
  const noAnswerLogs = () =>
    [...captures].flatMap((capture) => capture.records()).filter((record) => record.msg === NO_ANSWER_LOG);

  /** A vault configured by production variables only, as an operator would. */
  function deployment(env: () => Record<string, string>): () => TestVault {
    let vault: TestVault | undefined;
    beforeAll(async () => {
      vault = await createTestVault({
        env: {
          AUTHPIPE_PUBLIC_URL: 'https://vault.example.test',
          AUTHPIPE_MICROSOFT_CA_FILE: caFile,
          ...env(),
        },
      });
      captures.add(vault.logs);
    }, 120_000);
    afterAll(async () => {
      await vault?.close();
    });
    return () => {
      if (!vault) throw new Error('the deployment is read outside its tests');
      return vault;
    };
  }

  function appBody(url: string, graphUrl = url) {
    return {
      name: 'Probe',
      clientId: SEED.demoApp.clientId,
      credential: { type: 'secret', secret: SEED.demoApp.secretValue },
      cloud: 'custom',
      endpoints: { loginUrl: url, graphUrl },
      homeTenantId: SEED.contoso.tenantId,
      allowedOrigins: ['https://app.example.com'],
    };
  }

  async function createApp(on: TestVault, key: string, url: string): Promise<string> {
    const res = await request(on.server()).post('/v1/apps').set(bearer(key)).send(appBody(url));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  }

  async function check(on: TestVault, key: string, appId: string) {
    const res = await request(on.server()).post(`/v1/apps/${appId}/check`).set(bearer(key));
    expect(res.status).toBe(200);
    const { checkedAt, ...rest } = res.body as { checkedAt: string } & Record<string, unknown>;
    expect(Date.parse(checkedAt)).not.toBeNaN();
    return rest;
  }

  describe('a deployment allowing the emulator and three probe ports as custom clouds, on loopback', () => {
    const vault = deployment(() => ({
      AUTHPIPE_CUSTOM_CLOUD_ORIGINS: [emulator.baseUrl, byName, ...probes.origins].join(','),
      AUTHPIPE_ALLOW_PRIVATE_NETWORKS: '127.0.0.1,::1',
    }));
    it('refuses custom endpoints the operator did not allow, when an app is created or updated', async () => {
      const { key } = await aProject(vault(), 'attacker');
      for (const [loginUrl, graphUrl] of [
        ['https://169.254.169.254', emulator.baseUrl],
        [emulator.baseUrl, 'https://10.0.0.5:8443'],
        ['https://intranet.corp.example', 'https://intranet.corp.example'],
      ]) {
        const res = await request(vault().server()).post('/v1/apps').set(bearer(key)).send(appBody(loginUrl, graphUrl));
        expect(res.status).toBe(400);
        expect(res.body.error).toMatchObject({ code: 'custom_endpoint_not_allowed' });
      }
      const appId = await createApp(vault(), key, emulator.baseUrl);
      const moved = await request(vault().server())
        .patch(`/v1/apps/${appId}`)
        .set(bearer(key))
        .send({ endpoints: { loginUrl: 'https://127.0.0.1:6379', graphUrl: emulator.baseUrl } });
      expect(moved.status).toBe(400);
      expect(moved.body.error).toMatchObject({
        code: 'custom_endpoint_not_allowed',
        details: [{ path: 'endpoints.loginUrl', message: 'origin not allowed' }],
      });
      const listed = await request(vault().server()).get('/v1/apps').set(bearer(key)).expect(200);
      expect(listed.body.data.map((a: { endpoints: unknown }) => a.endpoints)).toEqual([
        { loginUrl: emulator.baseUrl, graphUrl: emulator.baseUrl, graphResource: null },
      ]);
    });

    it('answers the check of a closed, a plain-HTTP and an untrusted-TLS port alike, keeping the difference in the log', async () => {
      const { key } = await aProject(vault(), 'scanner');
      const answers = [];
      for (const url of [probes.closed, probes.plainHttp, probes.untrustedTls]) {
        const appId = await createApp(vault(), key, url);
        const answer = await check(vault(), key, appId);
        const stored = await request(vault().server()).get(`/v1/apps/${appId}`).set(bearer(key)).expect(200);
        answers.push({ answer, status: stored.body.status, statusDetail: stored.body.statusDetail });
      }
      expect(answers[0]).toEqual({
        answer: {
          ok: false,
          status: 'unchecked',
          directory: SEED.contoso.tenantId,
          token: null,
          error: {
            kind: 'transient',
            aadsts: null,
            error: 'endpoint_unreachable',
            remediation: expect.any(String),
            action: 'retry',
          },
        },
        status: 'unchecked',
        statusDetail: { aadsts: null, error: 'endpoint_unreachable', remediation: expect.any(String) },
      });
      expect(answers[1]).toEqual(answers[0]);
      expect(answers[2]).toEqual(answers[0]);

      // The operator still sees what happened, per probe, without the app's secret.
      const logged = noAnswerLogs();
      expect(logged.map((r) => r.loginOrigin)).toEqual([probes.closed, probes.plainHttp, probes.untrustedTls]);
      expect(logged.map((r) => r.failure)).toEqual(['connection_refused', 'tls', 'tls']);
      expect(new Set(logged.map((r) => r.systemCode)).size).toBe(3);
      for (const capture of captures) expect(capture.text()).not.toContain(SEED.demoApp.secretValue);

      // The real (allowed) endpoint still checks out on the same deployment.
      const real = await createApp(vault(), key, emulator.baseUrl);
      expect(await check(vault(), key, real)).toMatchObject({ ok: true, status: 'active' });
    });

    it('connects to an allowed origin by name when its loopback network is allowed', async () => {
      const { key } = await aProject(vault(), 'by-name');
      const appId = await createApp(vault(), key, byName);
      expect(await check(vault(), key, appId)).toMatchObject({ ok: true, status: 'active' });
    });
  });

  describe('a deployment allowing the same origin by name, but no private network', () => {
    const strict = deployment(() => ({ AUTHPIPE_CUSTOM_CLOUD_ORIGINS: byName }));

    it('refuses at connect time an allowed origin whose name resolves to loopback', async () => {
      // The create-time check passes (the origin is on the list); where the name resolves is
      // decided at each connection, which is what a DNS rebinding attack changes.
      const { key } = await aProject(strict(), 'rebinding');
      const appId = await createApp(strict(), key, byName);
      const served = emulator.context.services.requestLog.list().length;
      expect((await check(strict(), key, appId)).error).toMatchObject({ error: 'endpoint_unreachable' });
      expect(emulator.context.services.requestLog.list()).toHaveLength(served);
      expect(noAnswerLogs().find((r) => r.loginOrigin === byName)).toMatchObject({
        failure: 'destination_not_allowed',
        systemCode: 'ERR_DESTINATION_NOT_ALLOWED',
      });
    });
  });
});
