// PFX files as OpenSSL 3 writes them (made here with the machine's `openssl` 3, which test fixtures
// may use; the product never runs it): the PFX reader walks their structure itself, so
// it is checked against the real tool's output, not only against files made the same way it reads.
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CertificateCredentialError } from './certificate-errors';
import { parseCertificateCredential } from './certificates';

function hasOpenssl(): boolean {
  try {
    return execFileSync('openssl', ['version'], { encoding: 'utf8' }).startsWith('OpenSSL 3');
  } catch {
    return false;
  }
}

describe.skipIf(!hasOpenssl())('PFX files written by OpenSSL 3', () => {
  let dir: string;
  let sha256: string;
  let NOW: Date;
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const pfx = (name: string, password: string, ...options: string[]) => {
    openssl(
      'pkcs12',
      '-export',
      '-in',
      'leaf.pem',
      '-inkey',
      'leaf.key',
      '-certfile',
      'ca.pem',
      '-out',
      name,
      '-passout',
      `pass:${password}`,
      ...options,
    );
    return fs.readFileSync(path.join(dir, name)).toString('base64');
  };

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authpipe-pfx-'));
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '30',
      '-subj',
      '/CN=Authpipe test CA',
    );
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=app');
    openssl(
      'x509',
      '-req',
      '-in',
      'leaf.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'leaf.pem',
      '-days',
      '30',
    );
    const leaf = new X509Certificate(fs.readFileSync(path.join(dir, 'leaf.pem')));
    sha256 = createHash('sha256').update(leaf.raw).digest('hex');
    // A moment inside the leaf's validity, whatever clock openssl and this process read.
    NOW = new Date(Date.parse(leaf.validFrom) + 3600_000);
  }, 60_000);

  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['defaults (AES-256-CBC, PBKDF2-SHA256, SHA-256 MAC)', []],
    ['-legacy (RC2-40 certificates, 3DES key, SHA-1 MAC)', ['-legacy']],
    ['unencrypted bags (-keypbe NONE -certpbe NONE)', ['-keypbe', 'NONE', '-certpbe', 'NONE']],
  ])('reads the leaf, its key and the chain from %s', (_label, options) => {
    const credential = parseCertificateCredential(
      { pfxBase64: pfx('a.pfx', 'pfx-pass', ...options), password: 'pfx-pass' },
      NOW,
    );
    expect(credential.thumbprintSha256).toBe(sha256);
    expect(credential.x5c.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
  });

  it('reads a non-ASCII password the way OpenSSL wrote it (UTF-8 for PBKDF2, BMP for the MAC)', () => {
    const password = 'pässwörd-ключ';
    expect(parseCertificateCredential({ pfxBase64: pfx('u.pfx', password), password }, NOW).thumbprintSha256).toBe(
      sha256,
    );
  });

  it('refuses `-iter 200000` by the count OpenSSL wrote, naming the fix', () => {
    try {
      parseCertificateCredential({ pfxBase64: pfx('i.pfx', 'pfx-pass', '-iter', '200000'), password: 'pfx-pass' }, NOW);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(CertificateCredentialError);
      expect((error as CertificateCredentialError).reason).toBe('kdf_too_costly');
      expect((error as CertificateCredentialError).details).toMatchObject({ iterations: 200_000 });
    }
  });
});
