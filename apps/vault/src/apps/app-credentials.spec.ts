import { describe, expect, it } from 'vitest';
import { FlowError } from '../providers/flow-error';
import { createAppSchema } from './app.dto';
import { cloudOf, prepareCredential, toMicrosoftApp } from './app-credentials';
import type { ProviderAppRecord } from './apps.repository';

const now = new Date('2026-11-22T12:00:00Z');

describe('prepareCredential', () => {
  it('keeps a secret for encryption and only its expiry as a column', () => {
    const prepared = prepareCredential(
      { type: 'secret', secret: 's3cret-value', expiresAt: '2027-01-01T00:00:00Z' },
      now,
    );
    expect(prepared.stored).toEqual({ type: 'secret', clientSecret: 's3cret-value' });
    expect(prepared.columns).toEqual({
      credentialType: 'secret',
      credentialExpiresAt: new Date('2027-01-01T00:00:00Z'),
      certThumbprint: null,
    });
    expect(JSON.stringify(prepared.columns)).not.toContain('s3cret-value');
  });

  it.each([
    [{ type: 'certificate' as const, certificatePem: 'x' }],
    [{ type: 'certificate' as const, pfxBase64: 'x' }],
    [{ type: 'certificate' as const, certificatePem: 'x', privateKeyPem: 'y', pfxBase64: 'z', password: 'p' }],
  ])('refuses an incomplete or ambiguous certificate %j with invalid_certificate', (input) => {
    try {
      prepareCredential(input, now);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(FlowError);
      expect((error as FlowError).toBody()).toMatchObject({
        code: 'invalid_certificate',
        details: { reason: 'incomplete' },
      });
    }
  });

  it('refuses a certificate that is not PEM with invalid_certificate and the reason', () => {
    try {
      prepareCredential({ type: 'certificate', certificatePem: 'not a certificate', privateKeyPem: 'not a key' }, now);
      expect.unreachable();
    } catch (error) {
      expect((error as FlowError).toBody()).toMatchObject({
        code: 'invalid_certificate',
        details: { reason: 'invalid_certificate' },
      });
    }
  });
});

describe('toMicrosoftApp', () => {
  const row = {
    clientId: 'c1',
    cloud: 'custom',
    loginUrl: 'https://login.test',
    graphUrl: 'https://graph.test',
    graphResource: null,
  };

  it('maps custom endpoints and a certificate to what libs/microsoft takes', () => {
    const app = toMicrosoftApp(row as ProviderAppRecord, {
      type: 'certificate',
      privateKeyPem: 'PEM',
      thumbprintSha256: 'a'.repeat(64),
      x5c: 'CHAIN',
    });
    expect(app).toEqual({
      clientId: 'c1',
      cloud: {
        name: 'custom',
        loginUrl: 'https://login.test',
        graphUrl: 'https://graph.test',
        graphResource: undefined,
      },
      credential: { clientCertificate: { thumbprintSha256: 'a'.repeat(64), privateKey: 'PEM', x5c: 'CHAIN' } },
    });
  });

  it('names a national cloud by name only', () => {
    expect(cloudOf({ ...row, cloud: 'usgov-l5', loginUrl: null, graphUrl: null })).toEqual({ name: 'usgov-l5' });
  });
});

describe('createAppSchema', () => {
  const base = {
    name: 'a',
    clientId: '11111111-2222-4333-8444-555555555555',
    credential: { type: 'secret', secret: 'x' },
  };

  it('requires endpoints for cloud custom and refuses them for a named cloud', () => {
    const custom = createAppSchema.safeParse({ ...base, cloud: 'custom' });
    const named = createAppSchema.safeParse({
      ...base,
      cloud: 'china',
      endpoints: { loginUrl: 'https://a.test', graphUrl: 'https://b.test' },
    });
    expect(custom.error?.issues.map((i) => i.path.join('.'))).toEqual(['endpoints']);
    expect(named.error?.issues.map((i) => i.path.join('.'))).toEqual(['endpoints']);
  });

  it('refuses a malformed homeTenantId and accepts a domain', () => {
    expect(createAppSchema.safeParse({ ...base, homeTenantId: 'not a tenant!' }).success).toBe(false);
    expect(createAppSchema.safeParse({ ...base, homeTenantId: 'contoso.onmicrosoft.com' }).success).toBe(true);
  });
});
