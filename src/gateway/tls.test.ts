import { test } from "node:test";
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync, statSync, writeFileSync, existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import { Gateway } from "./gateway.js";
import { GatewayTlsError, loadGatewayTls } from "./tls.js";
import { silentLogger } from "../shared/log.js";
import { certificateFingerprint } from "../shared/tls-fingerprint.js";

function temp(): { dir: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "ocl-gwtls-"));
  return { dir, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test("the self-signed pair is generated once (0600, RSA-2048, CN openclaw-gateway) and reused across restarts", async () => {
  const t = temp();
  try {
    const first = await loadGatewayTls({ stateDir: t.dir, log: silentLogger });
    assert.equal(first.generated, true);
    assert.equal(first.certPath, join(t.dir, "gateway", "tls", "gateway-cert.pem"));
    assert.equal(first.keyPath, join(t.dir, "gateway", "tls", "gateway-key.pem"));
    for (const p of [first.certPath, first.keyPath]) assert.equal(statSync(p).mode & 0o777, 0o600, p);
    assert.equal(statSync(join(t.dir, "gateway", "tls")).mode & 0o077, 0, "the tls directory is private");
    assert.deepEqual(readdirSync(join(t.dir, "gateway", "tls")).sort(), ["gateway-cert.pem", "gateway-key.pem"], "no staging leftovers");
    const x509 = new X509Certificate(first.cert);
    assert.equal(x509.subject, "CN=openclaw-gateway");
    assert.equal(x509.publicKey.asymmetricKeyType, "rsa");
    assert.ok((x509.publicKey.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048);
    assert.equal(first.fingerprint, certificateFingerprint(x509.raw));
    assert.ok(new Date(x509.validTo).getTime() > Date.now() + 5 * 365 * 86400_000, "long-lived (10 years, as the reference)");

    const again = await loadGatewayTls({ stateDir: t.dir, log: silentLogger });
    assert.equal(again.generated, false);
    assert.equal(again.fingerprint, first.fingerprint, "same certificate after a restart: pins stay valid");
  } finally {
    t.done();
  }
});

test("no openssl: a clear error that says how to pass a certificate instead", async () => {
  const t = temp();
  try {
    await assert.rejects(loadGatewayTls({ stateDir: t.dir, opensslBin: undefined }), (e: unknown) => e instanceof GatewayTlsError && /openssl/.test(e.message) && /--tls-cert <cert\.pem> --tls-key <key\.pem>/.test(e.message));
    assert.equal(existsSync(join(t.dir, "gateway", "tls", "gateway-key.pem")), false);
  } finally {
    t.done();
  }
});

test("given cert/key: used as is, never generated over; half a pair or a missing file is an error", async () => {
  const t = temp();
  try {
    const gen = await loadGatewayTls({ stateDir: join(t.dir, "a") });
    const mine = await loadGatewayTls({ stateDir: join(t.dir, "b"), certPath: gen.certPath, keyPath: gen.keyPath });
    assert.equal(mine.fingerprint, gen.fingerprint);
    assert.equal(mine.generated, false);
    assert.equal(existsSync(join(t.dir, "b", "gateway")), false);
    await assert.rejects(loadGatewayTls({ stateDir: t.dir, certPath: gen.certPath }), GatewayTlsError);
    await assert.rejects(loadGatewayTls({ stateDir: t.dir, certPath: join(t.dir, "nope.pem"), keyPath: join(t.dir, "nope.key") }), /does not exist/);
    // default pair with the key lost: no silent re-generation (that would break every pin)
    rmSync(gen.keyPath);
    await assert.rejects(loadGatewayTls({ stateDir: join(t.dir, "a") }), /missing while its partner exists/);
    // a key that does not belong to the certificate
    const other = await loadGatewayTls({ stateDir: join(t.dir, "c") });
    await assert.rejects(loadGatewayTls({ stateDir: t.dir, certPath: gen.certPath, keyPath: other.keyPath }), /cannot use/);
    writeFileSync(join(t.dir, "junk.pem"), "junk");
    await assert.rejects(loadGatewayTls({ stateDir: t.dir, certPath: join(t.dir, "junk.pem"), keyPath: other.keyPath }), /not a PEM certificate/);
  } finally {
    t.done();
  }
});

test("the gateway serves wss:// with TLS 1.3 minimum: a TLS 1.2-only client is refused", async () => {
  const t = temp();
  const material = await loadGatewayTls({ stateDir: t.dir });
  const gw = await Gateway.start({ stateDir: t.dir, auth: { mode: "none" }, port: 0, log: silentLogger, tls: { cert: material.cert, key: material.key, fingerprint: material.fingerprint } });
  try {
    assert.match(gw.url(), /^wss:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(gw.tlsFingerprint, material.fingerprint);
    const attempt = (maxVersion: "TLSv1.2" | "TLSv1.3") =>
      new Promise<string>((resolve) => {
        const s = tlsConnect({ host: "127.0.0.1", port: gw.port, rejectUnauthorized: false, maxVersion });
        s.once("secureConnect", () => {
          resolve(`ok ${s.getProtocol()} ${certificateFingerprint(s.getPeerCertificate().raw)}`);
          s.destroy();
        });
        s.once("error", (e) => resolve(`error ${(e as NodeJS.ErrnoException).code ?? e.message}`));
      });
    assert.equal(await attempt("TLSv1.3"), `ok TLSv1.3 ${material.fingerprint}`);
    assert.match(await attempt("TLSv1.2"), /^error /);
  } finally {
    await gw.stop();
    t.done();
  }
});
