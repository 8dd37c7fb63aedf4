// Attack family: using the Graph proxy as an open proxy (SSRF). An attacker with an API key tries
// to make the vault send a request, with a tenant's token, anywhere but Graph: another host named
// in the path, userinfo, a scheme, encoded separators, Host and forwarding headers. A listener of
// theirs counts what reaches it: nothing may.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  anApp,
  anAppBody,
  anEmulatorApp,
  anInstallation,
  aProject,
  bearer,
  type TestProject,
} from '@test/support/builders';
import { rawRequest } from '@test/support/raw-http';
import { SEED, useTestEmulator } from '@test/support/test-emulator';
import { useTestVault } from '@test/support/test-vault';

describe('Graph proxy: reaching anything but Graph (security)', () => {
  const t = useTestEmulator();
  const vault = useTestVault(() => ({ emulator: t }));
  let project: TestProject;
  let origin: string;
  let attacker: Server;
  let attackerHost: string;
  let received = 0;
  const tenantId = 'org_escape';

  beforeAll(async () => {
    attacker = createServer((_req, res) => {
      received++;
      res.end('attacker');
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    attackerHost = `127.0.0.1:${(attacker.address() as AddressInfo).port}`;
    project = await aProject(vault);
    const registered = await anEmulatorApp(t);
    const appId = await anApp(vault, project, anAppBody(t, registered));
    t.emulator.store.grantAdminConsent({
      tenantId: SEED.contoso.tenantId,
      clientId: registered.clientId,
      roles: ['Files.ReadWrite.All'],
      scopes: [],
      grantedBy: SEED.contoso.admin.id,
    });
    await anInstallation(
      vault,
      { projectId: project.projectId, appId, tenantId },
      { expiresAt: vault.clock.date(1000), refreshAt: vault.clock.date(0) },
    );
    await vault.app.listen({ host: '127.0.0.1', port: 0 });
    origin = await vault.app.getUrl();
  });
  afterAll(async () => {
    await new Promise((resolve) => attacker.close(resolve));
  });

  const headers = () => ({ ...bearer(project.key), 'authpipe-tenant-id': tenantId });

  it.each([
    (host: string) => `/v1/proxy/microsoft-onedrive//${host}/v1.0/me`,
    (host: string) => `/v1/proxy/microsoft-onedrive/https://${host}/v1.0/me`,
    (host: string) => `/v1/proxy/microsoft-onedrive/http:%2f%2f${host}/v1.0/me`,
    (host: string) => `/v1/proxy/microsoft-onedrive/@${host}/v1.0/me`,
    (host: string) => `/v1/proxy/microsoft-onedrive/x:y@${host}/me`,
    (host: string) => `/v1/proxy/microsoft-onedrive/..%2f..%2f..%2f${host}`,
    (host: string) => `/v1/proxy/microsoft-onedrive/me/..//${host}`,
    (host: string) => `/v1/proxy/microsoft-onedrive/\\\\${host}\\v1.0\\me`,
    (host: string) => `/v1/proxy/microsoft-onedrive/%2e%2e/%2e%2e/${host}`,
  ])('refuses %s and sends nothing anywhere', async (target) => {
    const before = t.emulator.context.services.requestLog.list().length;
    const res = await rawRequest(origin, 'GET', target(attackerHost), headers());
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body.toString('utf8')).error.code).toBe('proxy_target_not_allowed');
    expect(received).toBe(0);
    expect(t.emulator.context.services.requestLog.list().length).toBe(before);
  });

  it("goes to Graph whatever the caller's Host and forwarding headers say", async () => {
    const res = await rawRequest(
      origin,
      'GET',
      `/v1/proxy/microsoft-onedrive/drives/${SEED.contoso.marketingSite.driveId}`,
      {
        ...headers(),
        host: attackerHost,
        'x-forwarded-host': attackerHost,
        'x-forwarded-proto': 'http',
        forwarded: `host=${attackerHost}`,
      },
    );
    expect(res.status, res.body.toString()).toBe(200);
    expect(res.headers['authpipe-upstream']).toBe('microsoft-graph');
    expect(received).toBe(0);
  });
});
