// Certificate credentials made in the test, never committed: self-signed RSA certificates, PFX
// files laid out as OpenSSL writes them (certificates in an encrypted part, the key in a shrouded
// bag, a MAC over both), and encrypted PKCS#8 keys. An attacker edits the iteration counts of a
// real file; `claim` does the same here, so a file asking for millions of iterations costs
// nothing to make (its MAC or encryption no longer matches, which no refusal gets far enough to see).
import { createPrivateKey } from 'node:crypto';
import forge from 'node-forge';

const { asn1 } = forge;
const { oids } = forge.pki;
type Asn1 = forge.asn1.Asn1;

export interface CertificateFixture {
  certificatePem: string;
  privateKeyPem: string;
  cert: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
}

/** A self-signed certificate; small RSA keys keep fixtures fast (the parser does not care about the size). */
export function makeCertificate(
  notBefore: Date,
  notAfter: Date,
  keys = forge.pki.rsa.generateKeyPair(1024),
): CertificateFixture {
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = '01';
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  const attrs = [{ name: 'commonName', value: 'Authpipe test app' }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return {
    certificatePem: forge.pki.certificateToPem(cert),
    privateKeyPem: forge.pki.privateKeyToPem(keys.privateKey),
    cert,
    key: keys.privateKey,
  };
}

/** Iteration counts written over the real ones after the file is made. */
export interface CountClaims {
  mac?: number;
  keyBag?: number;
  certificates?: number;
}

export interface PfxOptions {
  /** Bag encryption: PBES2 with PBKDF2 and AES-256 (OpenSSL 3) or PKCS#12 PBE with 3DES (Windows, -legacy). */
  algorithm?: 'aes256' | '3des';
  /** Iterations each derivation really uses while making the file. */
  count?: number;
  claim?: CountClaims;
  /** Certificates besides the leaf (a chain). */
  extraCertificates?: forge.pki.Certificate[];
}

const seq = (items: Asn1[]) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, items);
const oid = (dotted: string) =>
  asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(dotted).getBytes());
const octets = (bytes: string) => asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OCTETSTRING, false, bytes);
/** A non-negative INTEGER of any size (forge's integerToDer stops at 32 bits). */
function integer(n: number): Asn1 {
  let hex = BigInt(n).toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  if (parseInt(hex.slice(0, 2), 16) & 0x80) hex = `00${hex}`;
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, forge.util.hexToBytes(hex));
}
const explicit0 = (item: Asn1) => asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, [item]);
const der = (node: Asn1) => asn1.toDer(node).getBytes();

/** Writes `count` into the iteration field of a PBES2 or PKCS#12 PBE AlgorithmIdentifier. */
function claimCount(algorithm: Asn1, count: number): void {
  const [algorithmOid, params] = algorithm.value as Asn1[];
  const isPbes2 = asn1.derToOid(algorithmOid.value as string) === oids.pkcs5PBES2;
  const fields = isPbes2
    ? (((params.value as Asn1[])[0].value as Asn1[])[1].value as Asn1[]) // keyDerivationFunc.params
    : (params.value as Asn1[]);
  fields[1] = integer(count);
}

function encrypt(node: Asn1, password: string, options: PfxOptions): Asn1 {
  return forge.pki.encryptPrivateKeyInfo(node, password, {
    algorithm: options.algorithm ?? 'aes256',
    count: options.count ?? 2048,
    saltSize: 8,
  });
}

/** A base64 PFX of `fixture`, in OpenSSL's layout. */
export function makePfx(fixture: CertificateFixture, password: string, options: PfxOptions = {}): string {
  const certBags = [fixture.cert, ...(options.extraCertificates ?? [])].map((cert) =>
    seq([
      oid(oids.certBag),
      explicit0(seq([oid(oids.x509Certificate), explicit0(octets(der(forge.pki.certificateToAsn1(cert))))])),
    ]),
  );
  // The certificates' SafeContents, encrypted as EncryptedData (the EncryptedPrivateKeyInfo that
  // forge makes is the same algorithm and ciphertext under another name).
  const sealed = encrypt(seq(certBags), password, options);
  const [certAlgorithm, certCiphertext] = sealed.value as Asn1[];
  if (options.claim?.certificates !== undefined) claimCount(certAlgorithm, options.claim.certificates);
  const encryptedContent = asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, false, certCiphertext.value);
  const certificatesPart = seq([
    oid(oids.encryptedData),
    explicit0(seq([integer(0), seq([oid(oids.data), certAlgorithm, encryptedContent])])),
  ]);

  const shrouded = encrypt(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(fixture.key)), password, options);
  if (options.claim?.keyBag !== undefined) claimCount((shrouded.value as Asn1[])[0], options.claim.keyBag);
  const keyPart = seq([
    oid(oids.data),
    explicit0(octets(der(seq([seq([oid(oids.pkcs8ShroudedKeyBag), explicit0(shrouded)])])))),
  ]);

  const authenticated = der(seq([certificatesPart, keyPart]));
  const macCount = options.count ?? 2048;
  const salt = forge.random.getBytesSync(8);
  const macKey = forge.pkcs12.generateKey(password, forge.util.createBuffer(salt), 3, macCount, 20);
  const hmac = forge.hmac.create();
  hmac.start('sha1', macKey);
  hmac.update(authenticated);
  const macData = seq([
    seq([
      seq([oid(oids.sha1), asn1.create(asn1.Class.UNIVERSAL, asn1.Type.NULL, false, '')]),
      octets(hmac.digest().getBytes()),
    ]),
    octets(salt),
    integer(options.claim?.mac ?? macCount),
  ]);
  const pfx = seq([integer(3), seq([oid(oids.data), explicit0(octets(authenticated))]), macData]);
  return forge.util.encode64(der(pfx));
}

/**
 * `privateKeyPem` encrypted as PKCS#8 (PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC) by Node's crypto,
 * which always writes 2048 iterations; `claimedIterations` is written over them.
 */
export function encryptedPkcs8(
  privateKeyPem: string,
  passphrase: string,
  claimedIterations?: number,
  label = 'ENCRYPTED PRIVATE KEY',
): string {
  const pem = createPrivateKey(privateKeyPem)
    .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase })
    .toString();
  const epki = asn1.fromDer(forge.pem.decode(pem)[0].body);
  if (claimedIterations !== undefined) claimCount((epki.value as Asn1[])[0], claimedIterations);
  return forge.pem.encode({ type: label, body: der(epki) });
}
