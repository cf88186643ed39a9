import { generateKeyPairSync, randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { pki } from "node-forge";
import { EmulatorProxyError } from "./options.js";

/** The file names inside the CA directory. */
export const CA_CERT_FILE = "ca.pem";
const CA_KEY_FILE = "ca-key.pem";

type Forge = typeof import("node-forge");

// node-forge is an optional peer: only `--proxy-port` needs it, so it is loaded here and nowhere else.
async function loadForge(): Promise<Forge> {
  try {
    const loaded = (await import("node-forge")) as Forge & { default?: Forge };
    return loaded.default ?? loaded;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") {
      throw new EmulatorProxyError(
        "missing-node-forge",
        'The emulator\'s proxy issues its TLS certificates with the "node-forge" package, which is not installed: run `npm install node-forge`.',
      );
    }
    throw error;
  }
}

/** A certificate and its private key, PEM-encoded, as `tls.createSecureContext` takes them. */
export interface PemPair {
  cert: string;
  key: string;
}

/** The local CA: its certificate (to trust) and what it signs host certificates with. */
export interface LocalCa {
  /** Absolute path of the CA certificate a client must trust. */
  certPath: string;
  /** The CA certificate, PEM. */
  certPem: string;
  /** A certificate for `host` (SAN = `host`), signed by the CA; one per host, cached. */
  leafFor(host: string): PemPair;
}

function rsaKeyPem(): string {
  // Node's native generator: forge's pure-JS RSA key generation takes seconds.
  return generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({
    type: "pkcs8",
    format: "pem",
  }) as string;
}

function serialNumber(): string {
  // Positive 16-byte serial: a leading byte below 0x80 keeps the DER integer unsigned.
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString("hex");
}

const DAY = 24 * 3600 * 1000;

function validity(cert: pki.Certificate, now: number, days: number): void {
  // A day of slack either side of "now" tolerates a client whose clock is a little off.
  cert.validity.notBefore = new Date(now - DAY);
  cert.validity.notAfter = new Date(now + days * DAY);
}

const CA_SUBJECT = [
  { name: "commonName", value: "wechat-login emulator local CA" },
  { name: "organizationName", value: "wechat-login emulator (not WeChat)" },
];

function createCa(forge: Forge, now: number): PemPair {
  const keyPem = rsaKeyPem();
  const key = forge.pki.privateKeyFromPem(keyPem) as pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = serialNumber();
  validity(cert, now, 3650);
  cert.setSubject(CA_SUBJECT);
  cert.setIssuer(CA_SUBJECT);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, pathLenConstraint: 0, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(key, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: keyPem };
}

async function readPair(dir: string): Promise<PemPair | undefined> {
  try {
    const [cert, key] = await Promise.all([
      readFile(join(dir, CA_CERT_FILE), "utf8"),
      readFile(join(dir, CA_KEY_FILE), "utf8"),
    ]);
    return { cert, key };
  } catch (error) {
    if ((error as { code?: unknown }).code === "ENOENT") return undefined;
    throw new EmulatorProxyError("bad-ca", `Cannot read the emulator CA in ${dir}: ${String(error)}`);
  }
}

async function writePair(dir: string, pair: PemPair): Promise<void> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // The key first, owner-only; `wx` so two emulators starting at once never overwrite each other's CA.
    await writeFile(join(dir, CA_KEY_FILE), pair.key, { flag: "wx", mode: 0o600 });
    await writeFile(join(dir, CA_CERT_FILE), pair.cert, { flag: "wx", mode: 0o644 });
    await chmod(join(dir, CA_KEY_FILE), 0o600);
  } catch (error) {
    if ((error as { code?: unknown }).code === "EEXIST") return;
    throw new EmulatorProxyError("bad-ca", `Cannot write the emulator CA to ${dir}: ${String(error)}`);
  }
}

/**
 * The CA in `dir`, created on first use and reused afterwards, so a client
 * trusts it once. Its key never leaves `dir`; host keys live in memory only.
 */
export async function openLocalCa(dir: string, now = Date.now()): Promise<LocalCa> {
  const forge = await loadForge();
  let pair = await readPair(dir);
  if (!pair) {
    await writePair(dir, createCa(forge, now));
    pair = await readPair(dir);
  }
  if (!pair)
    throw new EmulatorProxyError("bad-ca", `The emulator CA in ${dir} vanished while being created.`);
  let caCert: pki.Certificate;
  let caKey: pki.PrivateKey;
  try {
    caCert = forge.pki.certificateFromPem(pair.cert);
    caKey = forge.pki.privateKeyFromPem(pair.key);
  } catch {
    throw new EmulatorProxyError(
      "bad-ca",
      `The emulator CA in ${dir} is not a PEM certificate and key; delete ${CA_CERT_FILE} and ${CA_KEY_FILE} to have a new one made.`,
    );
  }
  const caKeyId = caCert.generateSubjectKeyIdentifier().getBytes();
  // One key for every host certificate of this run: RSA generation is the slow part.
  const leafKeyPem = rsaKeyPem();
  const leafKey = forge.pki.privateKeyFromPem(leafKeyPem) as pki.rsa.PrivateKey;
  const leafPublic = forge.pki.setRsaPublicKey(leafKey.n, leafKey.e);
  const leaves = new Map<string, PemPair>();
  return {
    certPath: join(dir, CA_CERT_FILE),
    certPem: pair.cert,
    leafFor(host) {
      const cached = leaves.get(host);
      if (cached) return cached;
      const cert = forge.pki.createCertificate();
      cert.publicKey = leafPublic;
      cert.serialNumber = serialNumber();
      // Under 398 days: the longest validity Apple's and Chrome's TLS stacks accept for a server certificate.
      validity(cert, Date.now(), 397);
      cert.setSubject([{ name: "commonName", value: host }]);
      cert.setIssuer(caCert.subject.attributes);
      cert.setExtensions([
        { name: "basicConstraints", cA: false, critical: true },
        { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
        { name: "extKeyUsage", serverAuth: true },
        { name: "subjectAltName", altNames: [{ type: 2, value: host }] },
        { name: "subjectKeyIdentifier" },
        // forge's `keyIdentifier: true` would name the leaf's own key; a verifier wants the issuer's.
        { name: "authorityKeyIdentifier", keyIdentifier: caKeyId },
      ]);
      cert.sign(caKey, forge.md.sha256.create());
      const leaf = { cert: forge.pki.certificateToPem(cert), key: leafKeyPem };
      leaves.set(host, leaf);
      return leaf;
    },
  };
}
