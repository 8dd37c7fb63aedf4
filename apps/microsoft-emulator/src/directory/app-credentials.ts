import { createHash, randomUUID, X509Certificate } from 'node:crypto';
import type { AppCertificate, AppRegistration, AppSecret } from './directory.types';
import { newClientSecretValue } from './ids';

/** Adds a client secret to an app; the value is generated unless given (the seed names a fixed demo secret). */
export function addSecretTo(
  app: AppRegistration,
  options: { expiresAt: Date; value?: string; id?: string },
): AppSecret {
  const value = options.value ?? newClientSecretValue();
  const secret: AppSecret = {
    id: options.id ?? randomUUID(),
    hint: value.slice(0, 3),
    value,
    expiresAt: options.expiresAt,
  };
  app.secrets.push(secret);
  return secret;
}

/** Registers a certificate's public part on an app; thumbprints are computed from its DER bytes. */
export function addCertificateTo(app: AppRegistration, certificatePem: string, id: string): AppCertificate {
  const x509 = new X509Certificate(certificatePem);
  const certificate: AppCertificate = {
    id,
    x5t: createHash('sha1').update(x509.raw).digest('base64url'),
    x5tS256: createHash('sha256').update(x509.raw).digest('base64url'),
    certificatePem: x509.toString(),
    expiresAt: new Date(x509.validTo),
  };
  app.certificates.push(certificate);
  return certificate;
}
