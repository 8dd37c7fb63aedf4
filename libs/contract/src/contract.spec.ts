import { describe, expect, it } from 'vitest';
import { createAppSchema, createConnectSessionSchema } from './api';
import {
  CREDENTIAL_ERROR_CODES,
  ERROR_CATALOG,
  ERROR_CODES,
  FLOW_FAILURE_CODES,
  type ErrorDefinition,
} from './errors/catalog';
import { EVENT_CATALOG } from './events';
import { buildOpenApiDocument } from './openapi';
import { ADMIN_ROUTES, ROUTES, ROUTE_TAGS } from './routes';
import {
  SCHEDULER_LEAD_FRACTION,
  SCHEDULER_MIN_LEAD_MS,
  SDK_CACHE_MARGIN_MS,
  VAULT_NEAR_EXPIRY_MS,
  schedulerRefreshAt,
} from './timing';
import { validate } from './validation';

describe('error catalog', () => {
  it('gives every code an error status, and Retry-After only to retryable codes', () => {
    for (const code of ERROR_CODES) {
      const entry: ErrorDefinition = ERROR_CATALOG[code];
      expect(entry.status, code).toBeGreaterThanOrEqual(400);
      expect(entry.status, code).toBeLessThan(600);
      if (entry.retryAfter) expect(entry.retryable, code).toBe(true);
    }
  });

  it("answers getCredential's refusals with the documented statuses", () => {
    const statuses = Object.fromEntries(CREDENTIAL_ERROR_CODES.map((code) => [code, ERROR_CATALOG[code].status]));
    expect(statuses).toEqual({
      credential_not_found: 404,
      needs_reauth: 409,
      revoked: 409,
      access_lost: 409,
      app_misconfigured: 409,
      provider_unavailable: 503,
    });
    expect(ERROR_CATALOG.provider_unavailable).toMatchObject({ retryable: true, retryAfter: true });
    expect(ERROR_CATALOG.rate_limited).toMatchObject({ status: 429, retryable: true, retryAfter: true });
  });

  it('holds every flow failure code', () => {
    for (const code of FLOW_FAILURE_CODES) expect(ERROR_CATALOG).toHaveProperty(code);
  });
});

describe('credential timing', () => {
  it('orders the layers: SDK margin < vault near-expiry < scheduler lead', () => {
    expect(SDK_CACHE_MARGIN_MS).toBeLessThan(VAULT_NEAR_EXPIRY_MS);
    expect(VAULT_NEAR_EXPIRY_MS).toBeLessThan(SCHEDULER_MIN_LEAD_MS);
  });

  it.each([5, 30, 60, 90, 24 * 60])(
    'schedules a %i-minute token before the vault would call it near expiry',
    (minutes) => {
      const now = 1_000_000;
      const expiresAt = now + minutes * 60_000;
      for (const unit of [0, 0.5, 0.999]) {
        const at = schedulerRefreshAt(now, expiresAt, unit);
        expect(at).toBeGreaterThanOrEqual(now);
        // Either right away (a token shorter than the lead) or with more than near-expiry left.
        if (at > now) expect(expiresAt - at).toBeGreaterThan(VAULT_NEAR_EXPIRY_MS);
      }
    },
  );

  it('uses about 80% of a long lifetime', () => {
    const lifetime = 24 * 3600_000;
    expect(schedulerRefreshAt(0, lifetime, 0)).toBe(lifetime * (1 - SCHEDULER_LEAD_FRACTION));
  });
});

describe('validate', () => {
  it('says "required" for missing fields and lists the allowed values', () => {
    const result = validate(createConnectSessionSchema, { provider: 'microsoft-onedrive' });
    expect(result).toEqual({
      success: false,
      issues: [
        { path: 'tenantId', message: 'required' },
        { path: 'credentialFor', message: 'required: one of "installation", "user"' },
      ],
    });
  });

  it('names each unknown key with a "did you mean"', () => {
    const result = validate(createAppSchema, { tenantid: 'x', clientID: 'y' });
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.issues).toEqual(
      expect.arrayContaining([
        { path: 'tenantid', message: expect.stringMatching(/^unknown field; known fields: provider, name, clientId/) },
        { path: 'clientID', message: 'unknown field; did you mean "clientId"?' },
      ]),
    );
  });

  it('refuses a userId on an installation session', () => {
    const result = validate(createConnectSessionSchema, {
      tenantId: 'org_acme',
      userId: 'user_1',
      credentialFor: 'installation',
      provider: 'microsoft-onedrive',
    });
    expect(result).toMatchObject({
      success: false,
      issues: [{ path: 'userId', message: expect.stringMatching(/does not apply/) }],
    });
  });

  it.each([
    ['whitespace only', '   '],
    ['a bidi override', 'org_\u202eemca'],
    ['a lone surrogate', 'org_\ud800'],
    ['a control character', 'org_\u0007'],
  ])('refuses a tenant id with %s', (_, tenantId) => {
    const result = validate(createConnectSessionSchema, {
      tenantId,
      credentialFor: 'installation',
      provider: 'microsoft-onedrive',
    });
    expect(result).toMatchObject({ success: false, issues: [{ path: 'tenantId' }] });
  });
});

describe('event catalog', () => {
  it('names events subject.action', () => {
    for (const name of Object.keys(EVENT_CATALOG)) expect(name).toMatch(/^[a-z_]+\.[a-z_]+$/);
  });
});

describe(buildOpenApiDocument.name, () => {
  const routes = [...Object.values(ROUTES), ...Object.values(ADMIN_ROUTES)];
  const document = buildOpenApiDocument({
    title: 'Authpipe',
    version: '1',
    description: 'x',
    routes,
    tags: ROUTE_TAGS,
  });

  it('documents every operation with its answer, the error model and a known tag', () => {
    const tags = new Set<string>(ROUTE_TAGS.map((tag) => tag.name));
    let operations = 0;
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const [method, op] of Object.entries(methods) as [
        string,
        { responses: Record<string, { content?: unknown }>; tags: string[] },
      ][]) {
        operations++;
        const statuses = Object.keys(op.responses).map(Number);
        expect(
          statuses.some((s) => s < 300),
          `${method} ${path}`,
        ).toBe(true);
        expect(statuses.filter((s) => s >= 400).length, `${method} ${path}`).toBeGreaterThan(0);
        expect(JSON.stringify(op.responses['500'])).toContain('#/components/schemas/ErrorResponse');
        expect(tags.has(op.tags[0]), `${method} ${path}`).toBe(true);
      }
    }
    expect(operations).toBe(routes.length);
  });

  it('presents the error catalog in the description', () => {
    for (const code of ERROR_CODES) expect(document.info.description).toContain(`\`${code}\``);
  });
});
