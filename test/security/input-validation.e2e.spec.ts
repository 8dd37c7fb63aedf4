// Attack family: hostile characters in ids and strings. The audit found a NUL byte answered 500
// in 15 places (PostgreSQL refuses NUL in text, so the driver failed mid-request) and tenant ids
// that display as another (bidi overrides), as nothing (whitespace) or cannot be stored as UTF-8
// (lone surrogates) accepted. Every one must be a 400 with a stable code, before any query runs.
import { beforeAll, describe, expect, it } from 'vitest';
import { aProject, anOfflineApp, bearer, type TestProject } from '@test/support/builders';
import { useTestVault } from '@test/support/test-vault';

describe('input validation: NUL bytes and id shapes', () => {
  const vault = useTestVault();
  let project: TestProject;
  let appId: string;

  beforeAll(async () => {
    project = await aProject(vault, 'Hostile input');
    appId = await anOfflineApp(vault, project.projectId);
  });

  const session = { tenantId: 'org_acme', credentialFor: 'installation', provider: 'microsoft-onedrive' };

  type Case = [string, () => ReturnType<ReturnType<typeof vault.api>['get']>];
  const api = () => vault.api();
  const auth = () => bearer(project.key);

  const nulCases: Case[] = [
    ['an app id in the path', () => api().get('/v1/apps/app%00x').set(auth())],
    ['an app id in the path of PATCH', () => api().patch('/v1/apps/app%00x').set(auth()).send({ name: 'x' })],
    ['an installation id in the path of DELETE', () => api().delete('/v1/installations/ins%00x').set(auth())],
    ['a connection id in the path', () => api().get('/v1/connections/con%00x').set(auth())],
    ['a tenant id in the path', () => api().get('/v1/tenants/org%00acme').set(auth())],
    [
      'the provider of getCredential',
      () => api().get('/v1/credentials/microsoft%00onedrive?tenantId=org_acme&credentialFor=installation').set(auth()),
    ],
    ['a tenant id in a list query', () => api().get('/v1/installations?tenantId=org%00acme').set(auth())],
    ['an event type in the query', () => api().get('/v1/events?type=app.%00created').set(auth())],
    ['a provider in the query of /v1/apps', () => api().get('/v1/apps?provider=microsoft%00').set(auth())],
    [
      'the tenant id of getCredential',
      () => api().get('/v1/credentials/microsoft-onedrive?tenantId=org%00&credentialFor=installation').set(auth()),
    ],
    ['a connect session token', () => api().get('/connect/microsoft-onedrive?session=cs_%00')],
    ['the state of an OAuth callback', () => api().get('/oauth/callback?state=st%00&code=abc')],
    [
      'a tenant id in a JSON body',
      () =>
        api()
          .post('/v1/connect-sessions')
          .set(auth())
          .send({ ...session, tenantId: 'org\u0000acme' }),
    ],
    [
      'an app name in a JSON body',
      () =>
        api()
          .post('/v1/apps')
          .set(auth())
          .send({
            name: 'app\u0000',
            clientId: '11111111-2222-4333-8444-555555555555',
            credential: { type: 'secret', secret: 'a-secret-value-123' },
          }),
    ],
    [
      'a nested string of a PATCH body',
      () =>
        api()
          .patch(`/v1/apps/${appId}`)
          .set(auth())
          .send({ userScopes: ['a\u0000'] }),
    ],
    [
      'a key of a JSON body',
      () =>
        api()
          .post('/v1/connect-sessions')
          .set(auth())
          .send({ ...session, 'tenant\u0000Id': 'x' }),
    ],
  ];

  it.each(nulCases)('refuses a NUL byte in %s with 400 invalid_characters', async (_, send) => {
    const res = await send();
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toContain('application/json');
    expect(res.body.error).toMatchObject({ code: 'invalid_characters', details: [expect.any(Object)] });
  });

  it('stores nothing for a refused body', async () => {
    const res = await api().get('/v1/tenants').set(auth()).expect(200);
    expect(res.body.data).toEqual([]);
  });

  const badTenantIds: [string, string][] = [
    ['whitespace only', '   '],
    ['a right-to-left override', 'org_\u202eemca'],
    ['a bidi isolate', 'org_\u2066acme\u2069'],
    ['a lone surrogate', 'org_\ud800acme'],
    ['a control character', 'org_\u001bacme'],
  ];

  it.each(badTenantIds)('refuses a tenant id with %s when minting a connect session', async (_, tenantId) => {
    const res = await api()
      .post('/v1/connect-sessions')
      .set(auth())
      .send({ ...session, tenantId });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({
      code: 'invalid_request',
      details: [{ path: 'tenantId', in: 'body', message: expect.stringMatching(/^must (not|be)/) }],
    });
  });

  it.each(badTenantIds.filter(([, id]) => !/[\ud800-\udfff]/u.test(id)))(
    'refuses a tenant id with %s in getCredential and the tenants API',
    async (_, tenantId) => {
      const credential = await api()
        .get('/v1/credentials/microsoft-onedrive')
        .query({ tenantId, credentialFor: 'installation' })
        .set(auth());
      expect(credential.status).toBe(400);
      expect(credential.body.error.details).toEqual([expect.objectContaining({ path: 'tenantId', in: 'query' })]);
      const tenant = await api()
        .get(`/v1/tenants/${encodeURIComponent(tenantId)}`)
        .set(auth());
      expect(tenant.status).toBe(400);
      expect(tenant.body.error.details).toEqual([expect.objectContaining({ path: 'tenantId', in: 'params' })]);
    },
  );

  it('still accepts ordinary Unicode tenant ids (accents, CJK, emoji)', async () => {
    for (const tenantId of ['org_société', '組織_7', 'org_🚀']) {
      const res = await api()
        .get('/v1/credentials/microsoft-onedrive')
        .query({ tenantId, credentialFor: 'installation' })
        .set(auth());
      expect(res.body.error?.code, tenantId).toBe('credential_not_found');
    }
  });
});
