import {
  CertificateCredentialError,
  parseCertificateCredential,
  type CloudConfig,
  type MicrosoftApp,
} from '@authpipe/microsoft';
import { z } from 'zod';
import { FlowError } from '../providers/flow-error';
import type { AppCredentialInput } from './app.dto';
import type { ProviderAppRecord } from './apps.repository';

/** Where an app's credential is kept in `secrets` (a project secret: tenant null). */
export const APP_SECRET_REF = (appId: string) => ({ recordType: 'provider_app', recordId: appId, field: 'credential' });

/** The credential as stored (encrypted) in `secrets`: only what msal-node needs. */
export const storedCredentialSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('secret'), clientSecret: z.string().min(1) }),
  z.object({
    type: z.literal('certificate'),
    privateKeyPem: z.string().min(1),
    thumbprintSha256: z.string().regex(/^[0-9a-f]{64}$/),
    x5c: z.string().min(1),
  }),
]);
export type StoredCredential = z.infer<typeof storedCredentialSchema>;

/** The credential split into its encrypted part and the columns shown about it. */
export interface PreparedCredential {
  stored: StoredCredential;
  columns: {
    credentialType: 'secret' | 'certificate';
    credentialExpiresAt: Date | null;
    certThumbprint: string | null;
  };
}

/**
 * Checks a credential as the API received it. A certificate is unpacked (PEM pair or base64
 * PFX + password), its key matched to it and its validity checked now, so a broken one is
 * refused at the door instead of at the first consent.
 *
 * @throws FlowError invalid_certificate with `details.reason` (never key material or passwords).
 */
export function prepareCredential(input: AppCredentialInput, now: Date): PreparedCredential {
  if (input.type === 'secret') {
    return {
      stored: { type: 'secret', clientSecret: input.secret },
      columns: {
        credentialType: 'secret',
        credentialExpiresAt: input.expiresAt ? new Date(input.expiresAt) : null,
        certThumbprint: null,
      },
    };
  }
  const pem = input.certificatePem !== undefined && input.privateKeyPem !== undefined;
  const pfx = input.pfxBase64 !== undefined && input.password !== undefined;
  if (pem === pfx) {
    throw FlowError.invalid(
      'invalid_certificate',
      'A certificate credential needs either certificatePem and privateKeyPem, or pfxBase64 and password.',
      { reason: 'incomplete' },
    );
  }
  try {
    const parsed = parseCertificateCredential(
      pem
        ? {
            certificatePem: input.certificatePem!,
            privateKeyPem: input.privateKeyPem!,
            privateKeyPassphrase: input.privateKeyPassphrase,
          }
        : { pfxBase64: input.pfxBase64!, password: input.password! },
      now,
    );
    return {
      stored: {
        type: 'certificate',
        privateKeyPem: parsed.privateKeyPem,
        thumbprintSha256: parsed.thumbprintSha256,
        x5c: parsed.x5c,
      },
      columns: {
        credentialType: 'certificate',
        credentialExpiresAt: parsed.notAfter,
        certThumbprint: parsed.thumbprintSha256,
      },
    };
  } catch (error) {
    if (error instanceof CertificateCredentialError) {
      throw FlowError.invalid('invalid_certificate', error.message, { reason: error.reason });
    }
    throw error;
  }
}

/** The cloud configuration of an app row, as libs/microsoft takes it. */
export function cloudOf(
  app: Pick<ProviderAppRecord, 'cloud' | 'loginUrl' | 'graphUrl' | 'graphResource'>,
): CloudConfig {
  if (app.cloud === 'custom') {
    if (!app.loginUrl || !app.graphUrl) throw new Error('A custom-cloud app row lacks its endpoints');
    return {
      name: 'custom',
      loginUrl: app.loginUrl,
      graphUrl: app.graphUrl,
      graphResource: app.graphResource ?? undefined,
    };
  }
  return { name: app.cloud as Exclude<CloudConfig['name'], 'custom'> };
}

/** The app as msal-node clients need it, with its decrypted credential. Never log it. */
export function toMicrosoftApp(app: ProviderAppRecord, credential: StoredCredential): MicrosoftApp {
  return {
    clientId: app.clientId,
    cloud: cloudOf(app),
    credential:
      credential.type === 'secret'
        ? { clientSecret: credential.clientSecret }
        : {
            clientCertificate: {
              thumbprintSha256: credential.thumbprintSha256,
              privateKey: credential.privateKeyPem,
              x5c: credential.x5c,
            },
          },
  };
}
