// The sandbox's own certificate authority. Some vendor SDKs only talk to https URLs (the Graph client
// attaches tokens only to https), so the local simulators need certificates that a test or an outside
// tool can trust by pinning one PEM: this CA's, published at /sandbox/info as `caCert`.
//
// The CA is made once per data directory and kept, so a developer who trusted it once keeps trusting
// it across restarts. Keys come from node's crypto (native, fast); node-forge only builds and signs
// the X.509 structures, which node's crypto cannot do.
import { generateKeyPair, generateKeyPairSync, randomBytes, X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import forge from 'node-forge';

export interface ServerCert {
  /** PEM private key (PKCS#8). */
  key: string;
  /** PEM leaf certificate, ready for `https.createServer({ key, cert })`. */
  cert: string;
}

export interface Ca {
  /** PEM of the CA certificate: the one thing a client must trust. */
  certPem: string;
  /** Directory holding ca.key (mode 0600) and ca.crt. */
  dir: string;
  /** A server certificate for these host names and IP addresses, signed by this CA. */
  issueServerCert(hostnames: string[]): ServerCert;
}

export const LOCAL_HOSTNAMES = ['localhost', '127.0.0.1', '::1'];

const CA_DIR = 'sandbox-ca';
const CA_SUBJECT = [
  { name: 'commonName', value: 'Calendar Sync sandbox CA' },
  { name: 'organizationName', value: 'Calendar Sync for SuperOffice (local sandbox)' },
];
const DAY_MS = 24 * 3600 * 1000;
/** A CA close to expiry is replaced rather than letting simulators fail mid-session. */
const CA_MIN_REMAINING_MS = 30 * DAY_MS;

const generateKeyPairAsync = promisify(generateKeyPair);

async function newRsaKeyPem(): Promise<string> {
  const { privateKey } = await generateKeyPairAsync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return privateKey;
}

/** Positive 16-byte serial (the top bit cleared keeps DER from reading it as negative). */
function serialHex(): string {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f;
  return b.toString('hex');
}

function forgeKeys(privateKeyPem: string): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey } {
  const privateKey = forge.pki.privateKeyFromPem(privateKeyPem) as forge.pki.rsa.PrivateKey;
  return { privateKey, publicKey: forge.pki.setRsaPublicKey(privateKey.n, privateKey.e) };
}

/** forge writes CRLF line ends; PEM files, JSON readers and diff tools all expect plain LF. */
function pem(cert: forge.pki.Certificate): string {
  return forge.pki.certificateToPem(cert).replace(/\r\n/g, '\n');
}

function makeCaCert(keyPem: string): string {
  const { privateKey, publicKey } = forgeKeys(keyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serialHex();
  const now = Date.now();
  cert.validity.notBefore = new Date(now - DAY_MS);
  cert.validity.notAfter = new Date(now + 10 * 365 * DAY_MS);
  cert.setSubject(CA_SUBJECT);
  cert.setIssuer(CA_SUBJECT);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true, pathLenConstraint: 0 },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(privateKey, forge.md.sha256.create());
  return pem(cert);
}

function makeServerCert(caKeyPem: string, caCertPem: string, leafKeyPem: string, hostnames: string[]): string {
  const caKey = forge.pki.privateKeyFromPem(caKeyPem);
  const caCert = forge.pki.certificateFromPem(caCertPem);
  const { publicKey } = forgeKeys(leafKeyPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = serialHex();
  const now = Date.now();
  // An hour back absorbs clock skew between the sandbox and a client on another machine or VM.
  cert.validity.notBefore = new Date(now - 3600 * 1000);
  cert.validity.notAfter = new Date(now + 90 * DAY_MS);
  cert.setSubject([{ name: 'commonName', value: hostnames[0] ?? 'localhost' }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    // Clients match on subjectAltName only (the common name is ignored for host checks).
    {
      name: 'subjectAltName',
      altNames: hostnames.map((h) => (isIP(h) ? { type: 7, ip: h } : { type: 2, value: h })),
    },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return pem(cert);
}

/** True when the stored pair is usable: the key matches the certificate and it is not about to expire. */
function isUsable(keyPem: string, certPem: string): boolean {
  try {
    const x509 = new X509Certificate(certPem);
    if (!x509.ca || !x509.checkPrivateKey(createPrivateKey(keyPem))) return false;
    return new Date(x509.validTo).getTime() - Date.now() > CA_MIN_REMAINING_MS;
  } catch {
    return false;
  }
}

async function readPair(dir: string): Promise<{ key: string; cert: string } | null> {
  try {
    const [key, cert] = await Promise.all([readFile(join(dir, 'ca.key'), 'utf8'), readFile(join(dir, 'ca.crt'), 'utf8')]);
    return { key, cert };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Writes a new CA into a private temporary directory, then renames it into place. The rename is
 * atomic, so two processes starting together never see half a CA: the loser's rename fails because
 * the directory is no longer empty, and it reads the winner's.
 */
async function createCa(dataDir: string, dir: string): Promise<void> {
  const tmp = join(dataDir, `${CA_DIR}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  await mkdir(tmp, { recursive: true, mode: 0o700 });
  try {
    const key = await newRsaKeyPem();
    await writeFile(join(tmp, 'ca.key'), key, { mode: 0o600 });
    await writeFile(join(tmp, 'ca.crt'), makeCaCert(key), { mode: 0o644 });
    await rename(tmp, dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Loads the CA from `<dataDir>/sandbox-ca/`, creating it on first use (or replacing an unusable one). */
export async function loadOrCreateCa(dataDir: string): Promise<Ca> {
  const dir = join(dataDir, CA_DIR);
  await mkdir(dataDir, { recursive: true });
  let pair = await readPair(dir);
  if (pair && !isUsable(pair.key, pair.cert)) {
    // Expired or mismatched (a half-copied directory, say): a sandbox CA holds nothing worth keeping.
    await rm(dir, { recursive: true, force: true });
    pair = null;
  }
  if (!pair) {
    await createCa(dataDir, dir);
    pair = await readPair(dir);
    if (!pair) throw new Error(`The sandbox CA in ${dir} could not be created`);
  }
  const caKey = pair.key;
  const caCert = pair.cert.replace(/\r\n/g, '\n');

  // One leaf key per process is enough: every simulator is local and shares the same trust anchor.
  let leafKey: string | undefined;
  const issued = new Map<string, ServerCert>();
  return {
    certPem: caCert,
    dir,
    issueServerCert(hostnames) {
      const names = [...new Set(hostnames.length ? hostnames : LOCAL_HOSTNAMES)];
      const cacheKey = [...names].sort().join(' ');
      const hit = issued.get(cacheKey);
      if (hit) return hit;
      leafKey ??= generateKeyPairSync('rsa', {
        modulusLength: 2048,
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      }).privateKey;
      const leaf = makeServerCert(caKey, caCert, leafKey, names);
      const result = { key: leafKey, cert: leaf };
      issued.set(cacheKey, result);
      return result;
    },
  };
}
