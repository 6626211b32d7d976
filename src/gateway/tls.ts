// Gateway TLS material (as OpenClaw's src/infra/tls/gateway.ts): a certificate/key pair given by
// the operator, or a self-signed one generated once with `openssl req` (RSA-2048, SHA-256, 10 years,
// CN=openclaw-gateway) into <stateDir>/gateway/tls/gateway-{cert,key}.pem, both 0600, then reused.
// Node's crypto cannot create X.509 certificates, hence openssl (searched only in system
// directories, never $PATH, so a planted binary cannot mint our key).
import { execFile } from "node:child_process";
import { X509Certificate, createPrivateKey } from "node:crypto";
import { accessSync, chmodSync, constants, existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { createSecureContext } from "node:tls";
import { certificateFingerprint } from "../shared/tls-fingerprint.js";
import type { Logger } from "../shared/log.js";

export const GATEWAY_TLS_MIN_VERSION = "TLSv1.3";
const OPENSSL_DIRS = ["/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin", "/opt/homebrew/bin"];
const MAX_PEM_BYTES = 65_536;

export class GatewayTlsError extends Error {
  override name = "GatewayTlsError";
}

export interface GatewayTlsPaths {
  certPath: string;
  keyPath: string;
  /** True when neither path was configured (the generated self-signed pair). */
  isDefault: boolean;
}

export interface GatewayTlsMaterial extends GatewayTlsPaths {
  cert: string;
  key: string;
  /** SHA-256 of the leaf certificate, 64 lower-case hex (what `--tls-fingerprint` takes). */
  fingerprint: string;
  subject: string;
  validTo: string;
  /** True when this call generated the pair. */
  generated: boolean;
}

export function defaultTlsDir(stateDir: string): string {
  return join(stateDir, "gateway", "tls");
}

export function resolveTlsPaths(stateDir: string, certPath?: string, keyPath?: string): GatewayTlsPaths {
  const c = certPath?.trim();
  const k = keyPath?.trim();
  if (Boolean(c) !== Boolean(k)) throw new GatewayTlsError("give both the certificate and its key (--tls-cert and --tls-key, or gateway.tls.certPath and gateway.tls.keyPath), or neither to use a generated self-signed pair");
  return {
    certPath: c || join(defaultTlsDir(stateDir), "gateway-cert.pem"),
    keyPath: k || join(defaultTlsDir(stateDir), "gateway-key.pem"),
    isDefault: !c,
  };
}

export function findOpenssl(dirs: string[] = OPENSSL_DIRS): string | undefined {
  for (const d of dirs) {
    const p = join(d, "openssl");
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return undefined;
}

function readPem(path: string, what: string): string {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (err) {
    throw new GatewayTlsError(`cannot read the gateway TLS ${what} ${path}: ${(err as Error).message}`);
  }
  if (size > MAX_PEM_BYTES) throw new GatewayTlsError(`the gateway TLS ${what} ${path} is larger than ${MAX_PEM_BYTES} bytes; expected one PEM ${what}`);
  return readFileSync(path, "utf8");
}

/** The certificate's fingerprint and names; needs no key (for `openclaw gateway fingerprint`). */
export function inspectCertificate(certPath: string): { cert: string; fingerprint: string; subject: string; validTo: string } {
  const cert = readPem(certPath, "certificate");
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (err) {
    throw new GatewayTlsError(`${certPath} is not a PEM certificate: ${(err as Error).message}`);
  }
  return { cert, fingerprint: certificateFingerprint(x509.raw), subject: x509.subject.replace(/\n/g, ", "), validTo: x509.validTo };
}

function execOpenssl(bin: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { timeout: 30_000, windowsHide: true }, (err, _stdout, stderr) => {
      if (err) reject(new GatewayTlsError(`openssl failed: ${String(stderr).trim() || err.message}`));
      else resolve();
    });
  });
}

/** Publishes `staged` at `final` without ever replacing an existing file (hard link). */
function publishNoClobber(staged: string, final: string): void {
  linkSync(staged, final);
}

/**
 * Generates the self-signed pair at the given paths (which must not exist). Staged in a private
 * temp directory next to the target, then hard-linked into place, so a crash never leaves a
 * half-written key and two gateways starting together never overwrite each other.
 */
export async function generateSelfSignedCert(paths: { certPath: string; keyPath: string }, opensslBin: string | undefined): Promise<void> {
  if (!opensslBin) {
    throw new GatewayTlsError(
      "openssl is needed to generate the gateway's self-signed TLS certificate but was not found in the system directories (/usr/bin, /bin, /usr/local/bin, /opt/homebrew/bin). " +
        "Install openssl, or give an existing certificate and key: openclaw gateway run --tls --tls-cert <cert.pem> --tls-key <key.pem>",
    );
  }
  for (const p of [paths.certPath, paths.keyPath]) mkdirSync(dirname(p), { recursive: true, mode: 0o700 });
  const stage = mkdtempSync(join(dirname(paths.keyPath), ".openclaw-gateway-tls-"));
  try {
    chmodSync(stage, 0o700);
    const cert = join(stage, "cert.pem");
    const key = join(stage, "key.pem");
    await execOpenssl(opensslBin, ["req", "-x509", "-newkey", "rsa:2048", "-sha256", "-days", "3650", "-nodes", "-keyout", key, "-out", cert, "-subj", "/CN=openclaw-gateway"]);
    chmodSync(key, 0o600);
    chmodSync(cert, 0o600);
    createSecureContext({ cert: readFileSync(cert), key: readFileSync(key), minVersion: GATEWAY_TLS_MIN_VERSION });
    publishNoClobber(key, paths.keyPath);
    publishNoClobber(cert, paths.certPath);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/**
 * Loads the gateway's TLS pair; when none was configured and the default pair does not exist yet,
 * generates it first. A configured pair that is missing is an error (never generated over).
 */
export async function loadGatewayTls(o: { stateDir: string; certPath?: string; keyPath?: string; log?: Logger; opensslBin?: string }): Promise<GatewayTlsMaterial> {
  const paths = resolveTlsPaths(o.stateDir, o.certPath, o.keyPath);
  const hasCert = existsSync(paths.certPath);
  const hasKey = existsSync(paths.keyPath);
  let generated = false;
  if (paths.isDefault && !hasCert && !hasKey) {
    try {
      await generateSelfSignedCert(paths, "opensslBin" in o ? o.opensslBin : findOpenssl());
      generated = true;
    } catch (err) {
      // another gateway process published its pair first: use that one
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    if (generated) o.log?.info(`tls: generated a self-signed certificate (RSA-2048, CN=openclaw-gateway) at ${paths.certPath} (key ${paths.keyPath}, mode 0600)`);
  } else if (!hasCert || !hasKey) {
    const missing = [!hasCert ? `certificate ${paths.certPath}` : "", !hasKey ? `key ${paths.keyPath}` : ""].filter(Boolean).join(" and ");
    throw new GatewayTlsError(
      paths.isDefault
        ? `gateway TLS: the ${missing} is missing while its partner exists; remove ${defaultTlsDir(o.stateDir)} to generate a new pair (nodes must then pin the new fingerprint)`
        : `gateway TLS: the ${missing} does not exist`,
    );
  }
  const info = inspectCertificate(paths.certPath);
  const key = readPem(paths.keyPath, "key");
  try {
    createPrivateKey(key);
    createSecureContext({ cert: info.cert, key, minVersion: GATEWAY_TLS_MIN_VERSION });
  } catch (err) {
    throw new GatewayTlsError(`gateway TLS: cannot use ${paths.certPath} with ${paths.keyPath}: ${(err as Error).message}`);
  }
  try {
    const mode = statSync(paths.keyPath).mode & 0o777;
    if (mode & 0o077) o.log?.warn(`tls: the private key ${paths.keyPath} is readable by other users (mode ${mode.toString(8)}); chmod 600 it`);
  } catch {
    /* checked above */
  }
  return { ...paths, cert: info.cert, key, fingerprint: info.fingerprint, subject: info.subject, validTo: info.validTo, generated };
}
