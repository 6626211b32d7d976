// Test-only: a throw-away self-signed certificate (openssl), for TLS tests that must not depend on
// the gateway's generator. Not used by production code.
import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { certificateFingerprint } from "./tls-fingerprint.js";

export interface TestCert {
  cert: string;
  key: string;
  fingerprint: string;
}

export function makeTestCert(cn = "openclaw-test"): TestCert {
  const dir = mkdtempSync(join(tmpdir(), "ocl-cert-"));
  try {
    const cert = join(dir, "c.pem");
    const key = join(dir, "k.pem");
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-sha256", "-days", "2", "-nodes", "-keyout", key, "-out", cert, "-subj", `/CN=${cn}`], { stdio: "ignore" });
    const pem = readFileSync(cert, "utf8");
    return { cert: pem, key: readFileSync(key, "utf8"), fingerprint: certificateFingerprint(new X509Certificate(pem).raw) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
