import { getCredentialParamsSchema, getCredentialQuerySchema } from '@authpipe/contract';
import { describe, expect, it } from 'vitest';
import { plainParams, plainQuery } from './get-credential.input';

/** The hand check may only accept what the schema accepts, with the same parsed value. */
function agreesWithSchema(fast: unknown, schemaResult: { success: boolean; data?: unknown }): void {
  if (fast === null) return;
  expect(schemaResult.success).toBe(true);
  expect(fast).toEqual(schemaResult.data);
}

const QUERIES: Record<string, unknown>[] = [
  { tenantId: 'org_acme', userId: 'user_1', credentialFor: 'user' },
  { tenantId: 'org_acme', userId: 'user_1', credentialFor: 'user', forceRefresh: 'true' },
  { tenantId: 'org_acme', credentialFor: 'installation', forceRefresh: 'false' },
  { tenantId: 'org_acme', credentialFor: 'installation' },
  { tenantId: 'org_acme', credentialFor: 'installation', userId: 'user_1' },
  { tenantId: 'org_acme', credentialFor: 'user' },
  { tenantId: 'org_acme', userId: '', credentialFor: 'user' },
  { tenantId: '', credentialFor: 'installation' },
  { tenantId: ' ', credentialFor: 'installation' },
  { tenantId: 'org acme', credentialFor: 'installation' },
  { tenantId: 'örg', credentialFor: 'installation' },
  { tenantId: 'org\u202eemca', credentialFor: 'installation' },
  { tenantId: 'org\u0001', credentialFor: 'installation' },
  { tenantId: 'x'.repeat(200), credentialFor: 'installation' },
  { tenantId: 'x'.repeat(201), credentialFor: 'installation' },
  { tenantId: ['a', 'b'], credentialFor: 'installation' },
  { tenantId: 'org_acme', credentialFor: 'app' },
  { tenantId: 'org_acme', credentialFor: 'installation', forceRefresh: 'yes' },
  { tenantId: 'org_acme', credentialFor: 'installation', extra: '1' },
  { credentialFor: 'installation' },
  {},
];

describe(plainQuery.name, () => {
  it.each(QUERIES.map((q) => [JSON.stringify(q), q]))('never disagrees with the schema: %s', (_, query) => {
    agreesWithSchema(plainQuery(query), getCredentialQuerySchema.safeParse(query));
  });

  it("accepts the usual queries itself, forceRefresh defaulting to 'false' as in the schema", () => {
    expect(plainQuery({ tenantId: 'org_acme', userId: 'user_1', credentialFor: 'user' })).toEqual({
      tenantId: 'org_acme',
      userId: 'user_1',
      credentialFor: 'user',
      forceRefresh: 'false',
    });
    expect(plainQuery({ tenantId: 'org_acme', credentialFor: 'installation', forceRefresh: 'true' })).toEqual({
      tenantId: 'org_acme',
      credentialFor: 'installation',
      forceRefresh: 'true',
    });
  });

  it('leaves to the schema what it refuses or what is unusual', () => {
    expect(plainQuery({ tenantId: 'org_acme', credentialFor: 'user' })).toBeNull();
    expect(plainQuery({ tenantId: 'örg', credentialFor: 'installation' })).toBeNull();
    expect(plainQuery({ tenantId: 'org_acme', credentialFor: 'installation', extra: '1' })).toBeNull();
    expect(plainQuery(null)).toBeNull();
  });
});

describe(plainParams.name, () => {
  const PARAMS: unknown[] = [
    { provider: 'microsoft-onedrive' },
    { provider: '' },
    { provider: 'x'.repeat(100) },
    { provider: 'x'.repeat(101) },
    { provider: 'one drive' },
    { provider: 'microsoft-onedrive', other: 'x' },
    {},
    null,
  ];

  it.each(PARAMS.map((p) => [JSON.stringify(p), p]))('never disagrees with the schema: %s', (_, params) => {
    agreesWithSchema(plainParams(params), getCredentialParamsSchema.safeParse(params));
  });

  it('accepts a plain provider id itself', () => {
    expect(plainParams({ provider: 'microsoft-onedrive' })).toEqual({ provider: 'microsoft-onedrive' });
    expect(plainParams({ provider: 'microsoft-onedrive', other: 'x' })).toBeNull();
  });
});
