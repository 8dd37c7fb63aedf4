import { CertificateParser, WorkerBusyError } from '@authpipe/microsoft';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encryptedPkcs8, makeCertificate, makePfx, type CertificateFixture } from '@test/support/certificate-fixtures';
import { ApiError, type ApiErrorBody } from '../common/api-error';
import { createAppSchema } from './app.dto';
import { cloudOf, prepareCredential, toMicrosoftApp, type ReadCertificate } from './app-credentials';
import type { ProviderAppRecord } from './apps.repository';

const now = new Date('2026-11-22T12:00:00Z');
const DAY = 24 * 3600 * 1000;

describe('prepareCredential', () => {
  const parser = new CertificateParser();
  const read: ReadCertificate = (input, at) => parser.parse(input, at);
  let fixture: CertificateFixture;

  beforeAll(() => {
    fixture = makeCertificate(new Date(now.getTime() - DAY), new Date(now.getTime() + 365 * DAY));
  });

  afterAll(() => parser.close());

  async function bodyOf(promise: Promise<unknown>): Promise<{ status: number; body: ApiErrorBody }> {
    const error = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    if (!(error instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(error)}`);
    return { status: error.status, body: error.toBody() };
  }

  it('keeps a secret for encryption and only its expiry as a column', async () => {
    const prepared = await prepareCredential(
      { type: 'secret', secret: 's3cret-value', expiresAt: '2027-01-01T00:00:00Z' },
      now,
      read,
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
  ])('refuses an incomplete or ambiguous certificate %j with invalid_certificate', async (input) => {
    expect((await bodyOf(prepareCredential(input, now, read))).body).toMatchObject({
      code: 'invalid_certificate',
      details: { reason: 'incomplete' },
    });
  });

  it('refuses a certificate that is not PEM with invalid_certificate and the reason', async () => {
    const input = { type: 'certificate' as const, certificatePem: 'not a certificate', privateKeyPem: 'not a key' };
    expect((await bodyOf(prepareCredential(input, now, read))).body).toMatchObject({
      code: 'invalid_certificate',
      details: { reason: 'invalid_certificate' },
    });
  });

  it('reads a PFX to its thumbprint and expiry columns', async () => {
    const input = { type: 'certificate' as const, pfxBase64: makePfx(fixture, 'pfx-pass'), password: 'pfx-pass' };
    const prepared = await prepareCredential(input, now, read);
    expect(prepared.columns.certThumbprint).toMatch(/^[0-9a-f]{64}$/);
    expect(prepared.stored).toMatchObject({ type: 'certificate', thumbprintSha256: prepared.columns.certThumbprint });
  });

  it('refuses a costly key derivation with certificate_kdf_too_costly, the count and the fix', async () => {
    const pfx = { type: 'certificate' as const, pfxBase64: makePfx(fixture, 'pw', { claim: { mac: 4_000_000 } }) };
    const { status, body } = await bodyOf(prepareCredential({ ...pfx, password: 'pw' }, now, read));
    expect(status).toBe(400);
    expect(body).toMatchObject({
      code: 'certificate_kdf_too_costly',
      details: { reason: 'kdf_too_costly', part: 'pfx_mac', iterations: 4_000_000, maxIterations: 100_000 },
    });
    expect(body.remediation).toContain('openssl pkcs12 -export');
    const pem = {
      type: 'certificate' as const,
      certificatePem: fixture.certificatePem,
      privateKeyPem: encryptedPkcs8(fixture.privateKeyPem, 'key-pass', 2_000_000),
      privateKeyPassphrase: 'key-pass',
    };
    const refused = await bodyOf(prepareCredential(pem, now, read));
    expect(refused.body).toMatchObject({ code: 'certificate_kdf_too_costly', details: { iterations: 2_000_000 } });
    expect(refused.body.remediation).toContain('openssl pkcs8 -topk8');
  });

  it('answers a read stopped by its time limit with certificate_parse_timeout', async () => {
    const slow = new CertificateParser({ timeoutMs: 1 });
    try {
      const input = {
        type: 'certificate' as const,
        pfxBase64: makePfx(fixture, 'pw', { claim: { mac: 100_000 } }),
        password: 'pw',
      };
      const { status, body } = await bodyOf(prepareCredential(input, now, (i, at) => slow.parse(i, at)));
      expect(status).toBe(400);
      expect(body).toMatchObject({
        code: 'certificate_parse_timeout',
        details: { reason: 'parse_timeout', timeoutMs: 1 },
      });
    } finally {
      await slow.close();
    }
  });

  it('answers 429 rate_limited when too many certificates are being read', async () => {
    const busy: ReadCertificate = () => Promise.reject(new WorkerBusyError());
    const input = { type: 'certificate' as const, pfxBase64: 'eA==', password: 'p' };
    const { status, body } = await bodyOf(prepareCredential(input, now, busy));
    expect([status, body.code]).toEqual([429, 'rate_limited']);
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
