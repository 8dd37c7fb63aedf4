// Attack family: one upload freezing the vault (security audit item 2).
//
// A PFX or an encrypted PKCS#8 key names its own key-derivation cost: the audit raised a 3 KB
// PFX's MAC iteration count to 4,000,000 and `POST /v1/apps` held the event loop for 11 s (health
// checks waited too); an encrypted PEM key with 2,000,000 PBKDF2 iterations held it for 3.3 s. The
// vault now reads the counts before deriving anything and refuses them above the cap, and reads
// every certificate in a worker thread with a time limit, so no upload can hold other requests.
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CertificateReader } from '../../apps/vault/src/apps/certificate-reader';
import { aProject, bearer } from '@test/support/builders';
import { createTestVault, useTestVault, type TestVault } from '@test/support/test-vault';
import { encryptedPkcs8, makeCertificate, makePfx, type CertificateFixture } from '@test/support/certificate-fixtures';

const DAY = 24 * 3600 * 1000;
const PASSWORD = 'canary-pfx-password-7f3a';

function appBody(credential: Record<string, unknown>) {
  return {
    name: 'Costly certificate',
    clientId: randomUUID(),
    credential: { type: 'certificate', ...credential },
    allowedOrigins: ['https://app.example.test'],
  };
}

async function storedRows(vault: TestVault): Promise<{ apps: number; secrets: number }> {
  const prisma = vault.db.prisma;
  return { apps: await prisma.providerApp.count(), secrets: await prisma.secret.count() };
}

describe('certificate key-derivation cost: one upload freezing the vault', () => {
  const vault = useTestVault();
  let key: string;
  let fixture: CertificateFixture;
  /** The audit's file: a real PFX whose MAC iteration count was raised to 4,000,000. */
  let auditPfx: string;

  beforeAll(async () => {
    ({ key } = await aProject(vault, 'certificate-kdf'));
    const now = Date.now();
    fixture = makeCertificate(new Date(now - DAY), new Date(now + 365 * DAY));
    auditPfx = makePfx(fixture, PASSWORD, { claim: { mac: 4_000_000 } });
  });

  const post = (body: object) => request(vault.server()).post('/v1/apps').set(bearer(key)).send(body);

  it('POST /v1/apps refuses the audit PFX with certificate_kdf_too_costly and stores nothing', async () => {
    const before = await storedRows(vault);
    const res = await post(appBody({ pfxBase64: auditPfx, password: PASSWORD })).expect(400);
    expect(res.body.error).toMatchObject({
      code: 'certificate_kdf_too_costly',
      details: { reason: 'kdf_too_costly', part: 'pfx_mac', iterations: 4_000_000, maxIterations: 100_000 },
    });
    expect(res.body.error.remediation).toContain('openssl pkcs12 -export');
    expect(await storedRows(vault)).toEqual(before);
    expect(JSON.stringify(res.body)).not.toContain(PASSWORD);
    expect(vault.logs.text()).not.toContain(PASSWORD);
  });

  it('POST /v1/apps refuses an encrypted PKCS#8 key asking for 2,000,000 PBKDF2 iterations', async () => {
    const before = await storedRows(vault);
    const privateKeyPem = encryptedPkcs8(fixture.privateKeyPem, PASSWORD, 2_000_000);
    const res = await post(
      appBody({ certificatePem: fixture.certificatePem, privateKeyPem, privateKeyPassphrase: PASSWORD }),
    ).expect(400);
    expect(res.body.error).toMatchObject({
      code: 'certificate_kdf_too_costly',
      details: { part: 'private_key', iterations: 2_000_000 },
    });
    expect(await storedRows(vault)).toEqual(before);
  });

  it('PATCH /v1/apps/:id refuses the audit PFX and keeps the certificate it had', async () => {
    const created = await post(appBody({ pfxBase64: makePfx(fixture, PASSWORD), password: PASSWORD })).expect(201);
    const id = created.body.id as string;
    const res = await request(vault.server())
      .patch(`/v1/apps/${id}`)
      .set(bearer(key))
      .send({ credential: { type: 'certificate', pfxBase64: auditPfx, password: PASSWORD } })
      .expect(400);
    expect(res.body.error).toMatchObject({ code: 'certificate_kdf_too_costly', details: { iterations: 4_000_000 } });
    const after = await request(vault.server()).get(`/v1/apps/${id}`).set(bearer(key)).expect(200);
    expect(after.body).toEqual(created.body);
  });

  it('answers health checks while an upload is being read', async () => {
    // Within the caps but slow: forge derives the 100,000-iteration MAC key in JavaScript.
    const slow = makePfx(fixture, PASSWORD, { claim: { mac: 100_000 } });
    let uploadAnswered = false;
    const upload = post(appBody({ pfxBase64: slow, password: PASSWORD })).then((res) => {
      uploadAnswered = true;
      return res;
    });
    // Waits until the upload's read runs in its worker thread. Were it read on this thread, this
    // wait could only end once the read is over and the upload has answered.
    await vi.waitFor(() => expect(vault.get(CertificateReader).reading).toBe(1), { timeout: 30_000 });
    const health = await request(vault.server()).get('/healthz').expect(200);
    expect(health.body).toEqual({ status: 'ok' });
    expect(uploadAnswered).toBe(false);
    // The raised count no longer matches the MAC: refused as a wrong password once derived.
    expect((await upload).body.error).toMatchObject({
      code: 'invalid_certificate',
      details: { reason: 'wrong_password' },
    });
  });
});

describe('certificate read time limit (AUTHPIPE_CERTIFICATE_PARSE_TIMEOUT_MS)', () => {
  let vault: TestVault;
  let key: string;

  beforeAll(async () => {
    vault = await createTestVault({ env: { AUTHPIPE_CERTIFICATE_PARSE_TIMEOUT_MS: '1' } });
    ({ key } = await aProject(vault, 'certificate-timeout'));
  }, 120_000);

  afterAll(async () => {
    await vault?.close();
  });

  it('stops a read past the limit with certificate_parse_timeout and stores nothing', async () => {
    const now = Date.now();
    const fixture = makeCertificate(new Date(now - DAY), new Date(now + 365 * DAY));
    const before = await storedRows(vault);
    const res = await request(vault.server())
      .post('/v1/apps')
      .set(bearer(key))
      .send(appBody({ pfxBase64: makePfx(fixture, PASSWORD, { claim: { mac: 100_000 } }), password: PASSWORD }))
      .expect(400);
    expect(res.body.error).toMatchObject({
      code: 'certificate_parse_timeout',
      details: { reason: 'parse_timeout', timeoutMs: 1 },
    });
    expect(res.body.error.remediation).toContain('openssl');
    expect(await storedRows(vault)).toEqual(before);
  });
});
