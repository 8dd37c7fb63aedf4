import { describe, expect, it } from 'vitest';
import { SEED } from '../src/directory/seed';
import { HttpsClient } from './support/https-client';
import {} from './support/emulator-fixture';
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

  it.each([
    ['login.microsoftonline.us', 'graph.microsoft.us'],
    ['login.chinacloudapi.cn', 'microsoftgraph.chinacloudapi.cn'],
    ['login.microsoftonline.com', 'graph.microsoft.com'],
  ])('answers as the cloud of %s when reached under that host name', async (loginHost, graphHost) => {
    const routed = new HttpsClient({
      caCertPem: t.emulator.caCertPem,
      routeToPort: Number(new URL(t.emulator.baseUrl).port),
    });
    try {
      const { body } = await getJson(
        `https://${loginHost}/${C.tenantId}/v2.0/.well-known/openid-configuration`,
        routed,
      );
      expect(body.issuer).toBe(`https://${loginHost}/${C.tenantId}/v2.0`);
      expect(body.token_endpoint).toBe(`https://${loginHost}/${C.tenantId}/oauth2/v2.0/token`);
      expect(body.msgraph_host).toBe(graphHost);
    } finally {
      routed.close();
    }
  });
});
