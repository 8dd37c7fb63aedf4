// Local CA, TLS leaf and the demo app's client certificate, made with @peculiar/x509 on WebCrypto
// (the product never shells out to openssl).
import { KeyObject, X509Certificate as NodeX509 } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';
import { MICROSOFT_HOSTS } from '../directory/clouds';
import { loadOrCreate } from './key-files';

// Node's global WebCrypto, typed by the DOM lib as @peculiar/x509 expects (Node's own typings
// list newer key usages than TypeScript's DOM lib, so the two CryptoKey types differ by name only).
const subtle = globalThis.crypto.subtle;
x509.cryptoProvider.set(globalThis.crypto);

const EC: EcKeyGenParams & EcdsaParams = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const RSA: RsaHashedKeyGenParams = {
  name: 'RSASSA-PKCS1-v1_5',
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: 'SHA-256',
};
const DAY_MS = 24 * 3600 * 1000;

/** Every name the TLS leaf answers for: loopback and the real login/Graph hosts of the four clouds. */
export const LEAF_NAMES: readonly string[] = ['localhost', '127.0.0.1', '::1', ...MICROSOFT_HOSTS];

export interface TlsMaterial {
  caCertPem: string;
  caKeyPem: string;
  leafCertPem: string;
  leafKeyPem: string;
}

export type ClientCertificate = {
  certificatePem: string;
  privateKeyPem: string;
};

function privateKeyPem(key: CryptoKey): string {
  return KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }).toString();
}

async function importPrivateKey(pem: string, algorithm: EcKeyImportParams | RsaHashedImportParams): Promise<CryptoKey> {
  const der = x509.PemConverter.decodeFirst(pem);
  return subtle.importKey('pkcs8', der, algorithm, false, ['sign']);
}

async function createCa(now: Date): Promise<{ caCertPem: string; caKeyPem: string }> {
  const keys = await subtle.generateKey(EC, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=Authpipe Microsoft Emulator Local CA, O=Authpipe',
    notBefore: new Date(now.getTime() - DAY_MS),
    notAfter: new Date(now.getTime() + 3650 * DAY_MS),
    signingAlgorithm: EC,
    keys: keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { caCertPem: cert.toString('pem'), caKeyPem: privateKeyPem(keys.privateKey) };
}

async function createLeaf(
  ca: { caCertPem: string; caKeyPem: string },
  now: Date,
): Promise<{ leafCertPem: string; leafKeyPem: string }> {
  const caCert = new x509.X509Certificate(ca.caCertPem);
  const caKey = await importPrivateKey(ca.caKeyPem, EC);
  const keys = await subtle.generateKey(EC, true, ['sign', 'verify']);
  const names = LEAF_NAMES.map((value) => ({ type: isIP(value) ? ('ip' as const) : ('dns' as const), value }));
  const cert = await x509.X509CertificateGenerator.create({
    subject: 'CN=localhost, O=Authpipe Microsoft Emulator',
    issuer: caCert.subject,
    notBefore: new Date(now.getTime() - DAY_MS),
    // Under 398 days, which browsers require of leaf certificates.
    notAfter: new Date(now.getTime() + 397 * DAY_MS),
    signingAlgorithm: EC,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.AuthorityKeyIdentifierExtension.create(caCert, false),
    ],
  });
  return { leafCertPem: cert.toString('pem'), leafKeyPem: privateKeyPem(keys.privateKey) };
}

/** A leaf is reused only while it is valid for another week and names every host we serve. */
function leafIsUsable(leafCertPem: string, caCertPem: string, now: Date): boolean {
  const leaf = new NodeX509(leafCertPem);
  const ca = new NodeX509(caCertPem);
  if (!leaf.checkIssued(ca) || !leaf.verify(ca.publicKey)) return false;
  if (new Date(leaf.validTo).getTime() - now.getTime() < 7 * DAY_MS) return false;
  const san = leaf.subjectAltName ?? '';
  return LEAF_NAMES.every((name) => san.includes(name === '::1' ? '0:0:0:0:0:0:0:1' : name) || san.includes(name));
}

/**
 * The CA and TLS leaf: loaded from `dir` when present (so clients that trust the CA keep trusting
 * it across restarts), otherwise generated and written there.
 */
export async function loadOrCreateTls(dir: string | null, now: Date): Promise<TlsMaterial> {
  const ca = await loadOrCreate(dir, { caCertPem: 'ca.crt', caKeyPem: 'ca.key' }, () => createCa(now));
  const leaf = await loadOrCreate(
    dir,
    { leafCertPem: 'tls.crt', leafKeyPem: 'tls.key' },
    () => createLeaf(ca, now),
    (loaded) => leafIsUsable(loaded.leafCertPem, ca.caCertPem, now),
  );
  return { ...ca, ...leaf };
}

/** A self-signed RSA certificate for an app registration's certificate credential. */
export async function createClientCertificate(subject: string, now: Date): Promise<ClientCertificate> {
  const keys = await subtle.generateKey(RSA, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${subject}`,
    notBefore: new Date(now.getTime() - DAY_MS),
    notAfter: new Date(now.getTime() + 365 * DAY_MS),
    signingAlgorithm: RSA,
    keys: keys,
  });
  return { certificatePem: cert.toString('pem'), privateKeyPem: privateKeyPem(keys.privateKey) };
}

/** The demo app's certificate credential, kept in `dir` beside the CA. */
export function loadOrCreateDemoAppCertificate(dir: string | null, now: Date): Promise<ClientCertificate> {
  return loadOrCreate(dir, { certificatePem: 'demo-app.crt', privateKeyPem: 'demo-app.key' }, () =>
    createClientCertificate('Authpipe Demo app credential', now),
  );
}
