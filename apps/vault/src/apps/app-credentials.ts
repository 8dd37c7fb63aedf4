import {
  CertificateCredentialError,
  kdfRemedy,
  WorkerBusyError,
  type CertificateCredential,
  type CertificateInput,
  type CloudConfig,
  type KdfPart,
  type MicrosoftApp,
} from '@authpipe/microsoft';
import { z } from 'zod';
import { ApiError } from '../common/api-error';
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

/** Reads a certificate credential (CertificateReader: off the event loop, with a time limit). */
export type ReadCertificate = (input: CertificateInput, now: Date) => Promise<CertificateCredential>;

/**
 * Checks a credential as the API received it. A certificate is unpacked (PEM pair or base64
 * PFX + password), its key matched to it and its validity checked now, so a broken one is
 * refused at the door instead of at the first consent.
 *
 * @throws FlowError invalid_certificate, certificate_kdf_too_costly or certificate_parse_timeout,
 *   with `details.reason` (never key material or passwords); ApiError rate_limited when too many
 *   certificates are being read at once.
 */
export async function prepareCredential(
  input: AppCredentialInput,
  now: Date,
  readCertificate: ReadCertificate,
): Promise<PreparedCredential> {
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
  let parsed: CertificateCredential;
  try {
    parsed = await readCertificate(
      pem
        ? {
            certificatePem: input.certificatePem!,
            privateKeyPem: input.privateKeyPem!,
            privateKeyPassphrase: input.privateKeyPassphrase,
          }
        : { pfxBase64: input.pfxBase64!, password: input.password! },
      now,
    );
  } catch (error) {
    throw certificateFailure(error, pem ? 'private_key' : 'pfx_mac');
  }
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
}

/** The API error of a certificate that could not be read; anything unexpected is passed on as it is. */
function certificateFailure(error: unknown, form: KdfPart): unknown {
  if (error instanceof WorkerBusyError) {
    return new ApiError('rate_limited', 'Too many certificates are being read right now; retry in a few seconds.', {
      retryAfterSeconds: 5,
    });
  }
  if (!(error instanceof CertificateCredentialError)) return error;
  const details = { reason: error.reason, ...error.details };
  if (error.reason === 'kdf_too_costly') {
    const part = error.details.part as KdfPart;
    return FlowError.invalid('certificate_kdf_too_costly', error.message, details, kdfRemedy(part));
  }
  if (error.reason === 'parse_timeout') {
    // The fix is the one for a too costly derivation of that form: re-export with standard settings.
    return FlowError.invalid('certificate_parse_timeout', error.message, details, kdfRemedy(form));
  }
  return FlowError.invalid('invalid_certificate', error.message, details);
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
