import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED } from '../src/directory/seed';
import { HttpsClient } from './support/https-client';
import { useTestEmulator } from './support/emulator-suite';

const C = SEED.contoso;

describe('discovery, keys and instance discovery', () => {
  const t = useTestEmulator();
  const getJson = async (url: string, http: HttpsClient = t.http) => {
    const res = await http.send(url);
    return { status: res.status, body: JSON.parse(res.body) as Record<string, unknown> };
  };

  it.each([
    [C.tenantId, C.tenantId, `/${C.tenantId}/v2.0`],
    ['contoso.com', C.tenantId, `/${C.tenantId}/v2.0`],
    ['common', 'common', '/{tenantid}/v2.0'],
    ['organizations', 'organizations', '/{tenantid}/v2.0'],
    ['consumers', 'consumers', `/${SEED.consumers.tenantId}/v2.0`],
  ])('describes tenant %s with endpoints under %s', async (tenant, pathTenant, issuerPath) => {
    const { status, body } = await getJson(`${t.emulator.baseUrl}/${tenant}/v2.0/.well-known/openid-configuration`);
    expect(status).toBe(200);
    expect(body.issuer).toBe(`${t.emulator.baseUrl}${issuerPath}`);
    expect(body.token_endpoint).toBe(`${t.emulator.baseUrl}/${pathTenant}/oauth2/v2.0/token`);
    expect(body.authorization_endpoint).toBe(`${t.emulator.baseUrl}/${pathTenant}/oauth2/v2.0/authorize`);
    expect(body.jwks_uri).toBe(`${t.emulator.baseUrl}/${pathTenant}/discovery/v2.0/keys`);
    expect(body.id_token_signing_alg_values_supported).toEqual(['RS256']);
  });

  it('answers an unknown tenant with AADSTS90002', async () => {
    const { status, body } = await getJson(
      `${t.emulator.baseUrl}/nowhere.example/v2.0/.well-known/openid-configuration`,
    );
    expect(status).toBe(400);
    expect(body).toMatchObject({ error: 'invalid_request', error_codes: [90002] });
  });

  it('publishes one RS256 signing key with a kid', async () => {
    const { body } = await getJson(`${t.emulator.baseUrl}/${C.tenantId}/discovery/v2.0/keys`);
    const keys = body.keys as Record<string, string>[];
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'RSA', use: 'sig', kid: t.emulator.context.services.keys.kid, e: 'AQAB' });
    expect(keys[0]).not.toHaveProperty('d');
  });

  it('answers msal instance discovery with the tenant discovery endpoint and aliases', async () => {
    const endpoint = encodeURIComponent(`https://${t.host}/${C.tenantId}/oauth2/v2.0/authorize`);
    const { body } = await getJson(
      `${t.emulator.baseUrl}/common/discovery/instance?api-version=1.1&authorization_endpoint=${endpoint}`,
    );
    expect(body).toEqual({
      tenant_discovery_endpoint: `https://${t.host}/${C.tenantId}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: t.host, preferred_cache: t.host, aliases: [t.host] }],
    });
  });

  describe('national clouds kept apart', () => {
    let routed: HttpsClient;
    beforeAll(() => {
      routed = new HttpsClient({
        caCertPem: t.emulator.caCertPem,
        routeToPort: Number(new URL(t.emulator.baseUrl).port),
      });
    });
    afterAll(() => routed.close());

    it.each([
      ['login.microsoftonline.us', 'graph.microsoft.us', SEED.usGov.tenantId],
      ['login.chinacloudapi.cn', 'microsoftgraph.chinacloudapi.cn', SEED.china.tenantId],
      ['login.microsoftonline.com', 'graph.microsoft.com', C.tenantId],
    ])('answers as the cloud of %s for a tenant of that cloud', async (loginHost, graphHost, tenantId) => {
      const { status, body } = await getJson(
        `https://${loginHost}/${tenantId}/v2.0/.well-known/openid-configuration`,
        routed,
      );
      expect(status).toBe(200);
      expect(body.issuer).toBe(`https://${loginHost}/${tenantId}/v2.0`);
      expect(body.token_endpoint).toBe(`https://${loginHost}/${tenantId}/oauth2/v2.0/token`);
      expect(body.msgraph_host).toBe(graphHost);
    });

    // authentication-national-cloud: each cloud is a separate instance; reference-error-codes 90002
    // ("a cross-cloud app was used against the wrong cloud").
    it.each([
      ['login.microsoftonline.us', C.tenantId],
      ['login.chinacloudapi.cn', 'contoso.com'],
      ['login.microsoftonline.com', SEED.usGov.tenantId],
      ['login.microsoftonline.us', SEED.china.domains[0]],
    ])('answers AADSTS90002 at %s for %s, a tenant of another cloud', async (loginHost, tenant) => {
      for (const path of ['v2.0/.well-known/openid-configuration', 'discovery/v2.0/keys']) {
        const { status, body } = await getJson(`https://${loginHost}/${tenant}/${path}`, routed);
        expect(status).toBe(400);
        expect(body).toMatchObject({ error: 'invalid_request', error_codes: [90002] });
        expect(body.error_uri).toBe(`https://${loginHost}/error?code=90002`);
      }
    });

    it('answers a national-cloud tenant as not found on the emulator’s own origin, which answers as the global cloud', async () => {
      const { status, body } = await getJson(
        `${t.emulator.baseUrl}/${SEED.usGov.tenantId}/v2.0/.well-known/openid-configuration`,
      );
      expect(status).toBe(400);
      expect(body.error_codes).toEqual([90002]);
    });
  });
});
