import forge from 'node-forge';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { AppsRepository } from '../../../apps/vault/src/apps/apps.repository';
import { AppsService } from '../../../apps/vault/src/apps/apps.service';
import { SecretsService } from '../../../apps/vault/src/secrets/secrets.service';
import { aDemoAppBody, aProject } from '@test/support/builders';
import { makePfx } from '@test/support/certificate-fixtures';
import { dumpText } from '@test/support/db-dump';
import { rejection } from '@test/support/rejection';
import { startProbePorts } from '@test/support/ssrf-probes';
import { DAY_MS } from '@test/support/test-clock';
import { SEED, useTestEmulator } from '@test/support/test-emulator';
import { PUBLIC_URL, useTestVault } from '@test/support/test-vault';
import { useStarted } from '@test/support/use-started';

const CONTOSO = SEED.contoso.tenantId;

function pfxOf(certificatePem: string, privateKeyPem: string, password: string): string {
  const p12 = forge.pkcs12.toPkcs12Asn1(
    forge.pki.privateKeyFromPem(privateKeyPem),
    [forge.pki.certificateFromPem(certificatePem)],
    password,
    {
      algorithm: '3des',
    },
  );
  return forge.util.encode64(forge.asn1.toDer(p12).getBytes());
}

/** The audit's file: a valid PFX whose MAC iteration count was raised to 4,000,000. */
function costlyPfxOf(certificatePem: string, privateKeyPem: string, password: string): string {
  const fixture = {
    certificatePem,
    privateKeyPem,
    cert: forge.pki.certificateFromPem(certificatePem),
    key: forge.pki.privateKeyFromPem(privateKeyPem),
  };
  return makePfx(fixture, password, { claim: { mac: 4_000_000 } });
}

describe(AppsService.name, () => {
  const t = useTestEmulator();
  // Three loopback ports that answer no HTTP (closed, plain HTTP, untrusted TLS), which the
  // operator allows as custom clouds beside the emulator: check must tell them apart from nothing.
  const probes = useStarted(startProbePorts);
  const vault = useTestVault(() => ({
    emulator: t,
    microsoft: { customCloudOrigins: [...(t.microsoft.customCloudOrigins ?? []), ...probes.origins] },
  }));
  let apps: AppsService;
  let p1: string;
  let p2: string;

  // A year after the test clock's start: a secret far from expiry on whatever date the suite runs.
  const secretExpiresAt = () => vault.clock.iso(365 * DAY_MS);
  const secretApp = (overrides: Record<string, unknown> = {}) =>
    aDemoAppBody(t, {
      name: 'Demo (secret)',
      credential: { type: 'secret', secret: SEED.demoApp.secretValue, expiresAt: secretExpiresAt() },
      userAuthority: 'organizations',
      ...overrides,
    });

  beforeAll(async () => {
    apps = vault.get(AppsService);
    p1 = (await aProject(vault, 'one')).projectId;
    p2 = (await aProject(vault, 'two')).projectId;
  });

  describe('create', () => {
    it('stores the secret encrypted, returns no secret, and applies default scopes and redirect URIs', async () => {
      const app = await apps.create(p1, secretApp());
      expect(JSON.stringify(app)).not.toContain(SEED.demoApp.secretValue);
      expect(app).toMatchObject({
        provider: 'microsoft-onedrive',
        status: 'unchecked',
        credential: { type: 'secret', expiresAt: secretExpiresAt(), thumbprintSha256: null },
        userScopes: ['offline_access', 'openid', 'profile', 'User.Read', 'Files.ReadWrite.All'],
        redirectUris: [`${PUBLIC_URL}/oauth/callback`, `${PUBLIC_URL}/oauth/admin-consent/callback`],
      });
      const dump = await dumpText(vault.db);
      expect(dump).not.toContain(SEED.demoApp.secretValue);
      const stored = await vault.db.query<{ record_id: string }>(
        `SELECT record_id FROM secrets WHERE record_type = 'provider_app' AND tenant_id IS NULL`,
      );
      expect(stored.map((r) => r.record_id)).toContain(app.id);
    });

    it('allows several apps for the same project and provider', async () => {
      await apps.create(p2, secretApp({ name: 'one' }));
      await apps.create(p2, secretApp({ name: 'two', cloud: 'usgov-l4', endpoints: undefined }));
      const list = await apps.list(p2, { limit: 50, provider: 'microsoft-onedrive' });
      expect(list.data.map((a) => a.name)).toEqual(['one', 'two']);
    });

    it('computes the thumbprint and expiry of a PEM certificate and never returns the key', async () => {
      const { certificatePem, privateKeyPem } = t.emulator.demoAppCertificate;
      const app = await apps.create(
        p1,
        secretApp({ credential: { type: 'certificate', certificatePem, privateKeyPem } }),
      );
      expect(app.credential.type).toBe('certificate');
      expect(app.credential.thumbprintSha256).toMatch(/^[0-9a-f]{64}$/);
      expect(Date.parse(app.credential.expiresAt!)).toBeGreaterThan(vault.clock.nowMs);
      expect(await dumpText(vault.db)).not.toContain(privateKeyPem.split('\n')[1]);
    });

    it('unpacks a base64 PFX with its password to the same thumbprint as the PEM', async () => {
      const { certificatePem, privateKeyPem } = t.emulator.demoAppCertificate;
      const pem = await apps.create(
        p1,
        secretApp({ credential: { type: 'certificate', certificatePem, privateKeyPem } }),
      );
      const pfx = await apps.create(
        p1,
        secretApp({
          credential: {
            type: 'certificate',
            pfxBase64: pfxOf(certificatePem, privateKeyPem, 'pfx-pass'),
            password: 'pfx-pass',
          },
        }),
      );
      expect(pfx.credential.thumbprintSha256).toBe(pem.credential.thumbprintSha256);
    });

    it('refuses a PFX with the wrong password with invalid_certificate and stores nothing', async () => {
      const { certificatePem, privateKeyPem } = t.emulator.demoAppCertificate;
      const before = await vault.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM provider_apps`);
      const error = await rejection(
        apps.create(
          p1,
          secretApp({
            credential: {
              type: 'certificate',
              pfxBase64: pfxOf(certificatePem, privateKeyPem, 'right'),
              password: 'canary-pfx-password',
            },
          }),
        ),
      );
      expect(error.toBody()).toMatchObject({ code: 'invalid_certificate', details: { reason: 'wrong_password' } });
      expect(JSON.stringify(error.toBody())).not.toContain('canary-pfx-password');
      expect(await vault.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM provider_apps`)).toEqual(before);
    });

    it('refuses a PFX whose MAC asks for 4,000,000 iterations with certificate_kdf_too_costly and stores nothing', async () => {
      const { certificatePem, privateKeyPem } = t.emulator.demoAppCertificate;
      const counts = () =>
        vault.db.query<{ apps: number; secrets: number }>(
          `SELECT (SELECT count(*)::int FROM provider_apps) AS apps, (SELECT count(*)::int FROM secrets) AS secrets`,
        );
      const before = await counts();
      const error = await rejection(
        apps.create(
          p1,
          secretApp({
            credential: {
              type: 'certificate',
              pfxBase64: costlyPfxOf(certificatePem, privateKeyPem, 'canary-pfx-password'),
              password: 'canary-pfx-password',
            },
          }),
        ),
      );
      expect(error.status).toBe(400);
      expect(error.toBody()).toMatchObject({
        code: 'certificate_kdf_too_costly',
        details: { part: 'pfx_mac', iterations: 4_000_000 },
      });
      expect(JSON.stringify(error.toBody())).not.toContain('canary-pfx-password');
      expect(await counts()).toEqual(before);
    });

    it('refuses a certificate with another key with invalid_certificate key_mismatch', async () => {
      const other = forge.pki.rsa.generateKeyPair({ bits: 2048 });
      const error = await rejection(
        apps.create(
          p1,
          secretApp({
            credential: {
              type: 'certificate',
              certificatePem: t.emulator.demoAppCertificate.certificatePem,
              privateKeyPem: forge.pki.privateKeyToPem(other.privateKey),
            },
          }),
        ),
      );
      expect(error.toBody()).toMatchObject({ code: 'invalid_certificate', details: { reason: 'key_mismatch' } });
    });

    it.each([
      [['User.Read', 'Files.Read'], 'scopes_missing_offline_access'],
      [['offline_access', 'Files.Read'], 'scopes_missing_user_read'],
      [['offline_access', 'User.Read', 'Mail.Send'], 'invalid_scope'],
    ])('refuses user scopes %j with %s', async (userScopes, code) => {
      expect((await rejection(apps.create(p1, secretApp({ userScopes })))).toBody().code).toBe(code);
    });

    it.each([
      ['the cloud metadata address', 'https://169.254.169.254'],
      ['an internal host', 'https://intranet.corp.example'],
      ['a loopback port not on the list', 'https://127.0.0.1:1'],
    ])('refuses custom endpoints at %s with custom_endpoint_not_allowed and stores nothing', async (_what, url) => {
      const before = await vault.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM secrets`);
      const error = await rejection(
        apps.create(p1, secretApp({ endpoints: { loginUrl: url, graphUrl: t.emulator.baseUrl } })),
      );
      expect(error.status).toBe(400);
      expect(error.toBody()).toMatchObject({
        code: 'custom_endpoint_not_allowed',
        details: [{ path: 'endpoints.loginUrl' }],
        remediation: expect.stringContaining('AUTHPIPE_CUSTOM_CLOUD_ORIGINS'),
      });
      expect(await vault.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM secrets`)).toEqual(before);
    });

    it('refuses a plain-http redirect URI outside loopback', async () => {
      const error = await rejection(
        apps.create(p1, secretApp({ redirectUris: ['http://vault.example.com/oauth/callback'] })),
      );
      expect(error.toBody()).toMatchObject({ code: 'invalid_request', details: [{ path: 'redirectUris.0' }] });
    });
  });

  describe('update', () => {
    it('refuses a costly PFX as the new credential and keeps the stored one', async () => {
      const app = await apps.create(p1, secretApp());
      const { certificatePem, privateKeyPem } = t.emulator.demoAppCertificate;
      const error = await rejection(
        apps.update(p1, app.id, {
          credential: {
            type: 'certificate',
            pfxBase64: costlyPfxOf(certificatePem, privateKeyPem, 'pfx-pass'),
            password: 'pfx-pass',
          },
        }),
      );
      expect(error.toBody()).toMatchObject({ code: 'certificate_kdf_too_costly', details: { iterations: 4_000_000 } });
      expect(await apps.get(p1, app.id)).toEqual(app);
      const { microsoft } = await apps.getWithCredentials(p1, app.id);
      expect(microsoft.credential).toEqual({ clientSecret: SEED.demoApp.secretValue });
    });
  });

  describe('check', () => {
    it('marks an app active when its secret gets a token from its home directory', async () => {
      const app = await apps.create(p1, secretApp());
      const result = await apps.check(p1, app.id);
      expect(result).toMatchObject({ ok: true, status: 'active', directory: CONTOSO, error: null });
      expect(JSON.stringify(result)).not.toMatch(/eyJ/);
      expect((await apps.get(p1, app.id)).status).toBe('active');
    });

    it('marks an app active when its certificate gets a token', async () => {
      const { certificatePem, privateKeyPem } = t.emulator.demoAppCertificate;
      const app = await apps.create(
        p1,
        secretApp({ credential: { type: 'certificate', certificatePem, privateKeyPem } }),
      );
      expect(await apps.check(p1, app.id)).toMatchObject({ ok: true, status: 'active' });
    });

    it('marks an app misconfigured with AADSTS7000215 and a remediation when the secret is wrong', async () => {
      const app = await apps.create(
        p1,
        secretApp({ credential: { type: 'secret', secret: 'not-the-secret-of-this-app' } }),
      );
      const result = await apps.check(p1, app.id);
      expect(result).toMatchObject({
        ok: false,
        status: 'misconfigured',
        error: { aadsts: 7000215, kind: 'misconfigured' },
      });
      expect(result.error!.remediation.length).toBeGreaterThan(20);
      const stored = await apps.get(p1, app.id);
      expect(stored.statusDetail).toMatchObject({ aadsts: 7000215 });
      expect(JSON.stringify(stored)).not.toContain('not-the-secret-of-this-app');
    });

    it('marks an app misconfigured with AADSTS7000222 when its secret has expired', async () => {
      const app = await apps.create(p1, secretApp());
      const { secretId, clientId } = SEED.demoApp;
      t.emulator.store.setSecretExpiry(clientId, secretId, new Date(t.clock.nowMs - 60_000));
      try {
        expect(await apps.check(p1, app.id)).toMatchObject({
          ok: false,
          status: 'misconfigured',
          error: { aadsts: 7000222 },
        });
      } finally {
        t.emulator.store.setSecretExpiry(clientId, secretId, new Date(t.clock.nowMs + 86_400_000));
      }
    });

    it('puts the app back to unchecked when its credential is replaced', async () => {
      const app = await apps.create(
        p1,
        secretApp({ credential: { type: 'secret', secret: 'not-the-secret-of-this-app' } }),
      );
      await apps.check(p1, app.id);
      const updated = await apps.update(p1, app.id, {
        credential: { type: 'secret', secret: SEED.demoApp.secretValue },
      });
      expect(updated.status).toBe('unchecked');
      expect((await apps.check(p1, app.id)).status).toBe('active');
    });

    it('keeps the last status when Microsoft fails transiently (503) and reports it as transient', async () => {
      // An app of its own: msal throttles a client after a 5xx, which must not reach the other tests.
      const registered = t.emulator.store.addApp({
        displayName: 'transient check',
        homeTenantId: CONTOSO,
        signInAudience: 'AzureADMultipleOrgs',
        redirectUris: [],
        delegatedPermissions: [],
        applicationPermissions: [],
      });
      const secret = t.emulator.store.addSecret(registered.clientId, {
        expiresAt: new Date(t.clock.nowMs + 86_400_000),
      });
      const app = await apps.create(
        p1,
        secretApp({ clientId: registered.clientId, credential: { type: 'secret', secret: secret.value } }),
      );
      expect((await apps.check(p1, app.id)).status).toBe('active');
      t.emulator.context.services.faults.add({
        kind: 'status',
        status: 503,
        pathPrefix: `/${CONTOSO}/oauth2/v2.0/token`,
        count: 1,
      });
      const result = await apps.check(p1, app.id);
      expect(result).toMatchObject({ ok: false, status: 'active', error: { kind: 'transient' } });
      expect(await apps.get(p1, app.id)).toMatchObject({
        status: 'active',
        statusDetail: { error: result.error!.error },
      });
    });

    it('refuses with app_home_tenant_required when no directory is known', async () => {
      const app = await apps.create(p1, secretApp({ homeTenantId: null, userAuthority: 'common' }));
      expect((await rejection(apps.check(p1, app.id))).toBody().code).toBe('app_home_tenant_required');
    });
  });

  describe('update', () => {
    it('refuses moving an app to custom endpoints outside the allow-list, by endpoints or by cloud', async () => {
      const app = await apps.create(p1, secretApp());
      const outside = { loginUrl: 'https://169.254.169.254', graphUrl: 'https://169.254.169.254' };
      const byEndpoints = await rejection(apps.update(p1, app.id, { endpoints: outside }));
      expect(byEndpoints.toBody()).toMatchObject({
        code: 'custom_endpoint_not_allowed',
        details: [{ path: 'endpoints.loginUrl' }, { path: 'endpoints.graphUrl' }],
      });
      const global = await apps.create(p1, secretApp({ cloud: 'global', endpoints: undefined }));
      const byCloud = await rejection(apps.update(p1, global.id, { cloud: 'custom', endpoints: outside }));
      expect(byCloud.toBody().code).toBe('custom_endpoint_not_allowed');
      expect((await apps.get(p1, app.id)).endpoints).toMatchObject({ loginUrl: t.emulator.baseUrl });
      expect((await apps.get(p1, global.id)).cloud).toBe('global');
    });

    it('refuses to use a stored custom app whose origin is no longer allowed (409)', async () => {
      const app = await apps.create(p1, secretApp());
      await vault.db.query(`UPDATE provider_apps SET login_url = 'https://10.0.0.5' WHERE id = $1`, [app.id]);
      const error = await rejection(apps.check(p1, app.id));
      expect(error.status).toBe(409);
      expect(error.toBody().code).toBe('custom_endpoint_not_allowed');
    });
  });

  describe('check against endpoints that give no HTTP answer', () => {
    it('answers a closed port, a plain-HTTP port and an untrusted TLS port with one generic error', async () => {
      const results = [];
      for (const url of [probes.closed, probes.plainHttp, probes.untrustedTls]) {
        const app = await apps.create(p1, secretApp({ endpoints: { loginUrl: url, graphUrl: url } }));
        const { checkedAt, ...rest } = await apps.check(p1, app.id);
        expect(Date.parse(checkedAt)).not.toBeNaN();
        results.push({ result: rest, stored: (await apps.get(p1, app.id)).statusDetail });
      }
      expect(results[0].result).toEqual({
        ok: false,
        status: 'unchecked',
        directory: CONTOSO,
        token: null,
        error: {
          kind: 'transient',
          aadsts: null,
          error: 'endpoint_unreachable',
          remediation: expect.stringContaining('no HTTP answer'),
          action: 'retry',
        },
      });
      expect(results[1]).toEqual(results[0]);
      expect(results[2]).toEqual(results[0]);
    });
  });

  describe('getWithCredentials', () => {
    it('returns the decrypted secret for the flows', async () => {
      const app = await apps.create(p1, secretApp());
      const { microsoft } = await apps.getWithCredentials(p1, app.id);
      expect(microsoft.credential).toEqual({ clientSecret: SEED.demoApp.secretValue });
      expect(microsoft.cloud).toEqual({
        name: 'custom',
        loginUrl: t.emulator.baseUrl,
        graphUrl: t.emulator.baseUrl,
        graphResource: undefined,
      });
    });
  });

  describe('openWithCredentials', () => {
    /** The app's record and its sealed credential, as the refresh's leased read brings them. */
    const leasedRead = async (projectId: string, appId: string) => {
      const record = await vault.get(AppsRepository).find(projectId, appId);
      const { ciphertext } = await vault.db.prisma.secret.findFirstOrThrow({
        where: { projectId, recordType: 'provider_app', recordId: appId, field: 'credential' },
        select: { ciphertext: true },
      });
      return { record: record!, sealed: new Uint8Array(ciphertext) };
    };

    it('opens a ciphertext once, and a replaced credential afresh on its first use', async () => {
      const app = await apps.create(p1, secretApp());
      const opens = vi.spyOn(vault.get(SecretsService), 'open');
      try {
        const first = await leasedRead(p1, app.id);
        expect((await apps.openWithCredentials(first.record, first.sealed)).microsoft.credential).toEqual({
          clientSecret: SEED.demoApp.secretValue,
        });
        // The same ciphertext again (the next refresh): no decryption.
        expect((await apps.openWithCredentials(first.record, first.sealed)).microsoft.credential).toEqual({
          clientSecret: SEED.demoApp.secretValue,
        });
        expect(opens).toHaveBeenCalledTimes(1);

        // The secret is rotated, with no time passing: the new ciphertext is opened, not the old one reused.
        await apps.update(p1, app.id, { credential: { type: 'secret', secret: 'the-rotated-secret' } });
        const rotated = await leasedRead(p1, app.id);
        expect(Buffer.compare(rotated.sealed, first.sealed)).not.toBe(0);
        expect((await apps.openWithCredentials(rotated.record, rotated.sealed)).microsoft.credential).toEqual({
          clientSecret: 'the-rotated-secret',
        });
        expect(opens).toHaveBeenCalledTimes(2);

        // Past its time to live, even the same ciphertext is opened again.
        vault.clock.advance(5 * 60_000);
        await apps.openWithCredentials(rotated.record, rotated.sealed);
        expect(opens).toHaveBeenCalledTimes(3);
      } finally {
        opens.mockRestore();
      }
    });

    it("never answers one app's credential for another's, even of the same project", async () => {
      const one = await apps.create(p1, secretApp({ name: 'one' }));
      const two = await apps.create(
        p1,
        secretApp({ name: 'two', credential: { type: 'secret', secret: 'secret-two' } }),
      );
      const a = await leasedRead(p1, one.id);
      const b = await leasedRead(p1, two.id);
      expect((await apps.openWithCredentials(a.record, a.sealed)).microsoft.credential).toEqual({
        clientSecret: SEED.demoApp.secretValue,
      });
      expect((await apps.openWithCredentials(b.record, b.sealed)).microsoft.credential).toEqual({
        clientSecret: 'secret-two',
      });
      // Another app's ciphertext under this app's record is bound to the other app (AAD): refused.
      await expect(apps.openWithCredentials(a.record, b.sealed)).rejects.toThrow();
    });
  });

  describe('isolation', () => {
    it("answers another project's app exactly like a missing one on every method", async () => {
      const app = await apps.create(p1, secretApp());
      const calls = (id: string) => [
        apps.get(p2, id),
        apps.update(p2, id, { name: 'x' }),
        apps.delete(p2, id),
        apps.check(p2, id),
        apps.getWithCredentials(p2, id),
      ];
      const foreign = await Promise.all(calls(app.id).map(rejection));
      const missing = await Promise.all(calls('app_missing').map(rejection));
      expect(foreign.map((e) => [e.status, e.toBody()])).toEqual(missing.map((e) => [e.status, e.toBody()]));
      expect(foreign[0].toBody().code).toBe('app_not_found');
      expect((await apps.get(p1, app.id)).name).toBe('Demo (secret)');
    });
  });

  describe('delete', () => {
    it('deletes the app and its stored credential', async () => {
      const app = await apps.create(p1, secretApp());
      await apps.delete(p1, app.id);
      expect((await rejection(apps.get(p1, app.id))).toBody().code).toBe('app_not_found');
      expect(await vault.db.query(`SELECT 1 FROM secrets WHERE record_id = $1`, [app.id])).toEqual([]);
    });
  });
});
