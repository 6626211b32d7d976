import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readNodeConfig, resolveNodeConfig, writeNodeConfig, NodeConfigError, type NodeConfig } from "./node-config.js";
import { loadIdentity, loadOrCreateIdentity, IdentityError } from "./identity.js";

const saved: NodeConfig = { version: 1, nodeId: "n1", token: "tok", displayName: "box", gateway: { host: "gw", port: 1234, tls: true, tlsFingerprint: "ab" } };

test("flags override node.json; absent flags keep the saved values (TLS is not forgotten)", () => {
  assert.deepEqual(resolveNodeConfig(saved, {}), saved);
  assert.equal(resolveNodeConfig(saved, { displayName: "x" }).displayName, "x");
  assert.equal(resolveNodeConfig(undefined, {}).gateway.port, 18789);
  assert.equal(resolveNodeConfig(undefined, {}).gateway.host, "127.0.0.1");
});

test("--node-id clears the pairing token; so does pointing at another gateway", () => {
  assert.equal(resolveNodeConfig(saved, { nodeId: "n2" }).token, undefined);
  const moved = resolveNodeConfig(saved, { host: "other" });
  assert.equal(moved.token, undefined);
  assert.equal(moved.gateway.tls, false, "a new endpoint does not inherit the old TLS pin");
  assert.equal(resolveNodeConfig(saved, { nodeId: "n1" }).token, "tok");
});

test("node.json is written 0600 and read back; a broken one is an error naming the file", () => {
  const dir = mkdtempSync(join(tmpdir(), "nc-"));
  writeNodeConfig(dir, saved);
  assert.equal(statSync(join(dir, "node.json")).mode & 0o777, 0o600);
  assert.deepEqual(readNodeConfig(dir), saved);
  writeFileSync(join(dir, "node.json"), "{ nope");
  assert.throws(() => readNodeConfig(dir), (e: unknown) => e instanceof NodeConfigError && e.message.includes(join(dir, "node.json")));
});

test("identity is created once, 0600, and a corrupt one is never replaced", () => {
  const dir = mkdtempSync(join(tmpdir(), "id-"));
  const a = loadOrCreateIdentity(dir);
  assert.equal(a.created, true);
  assert.equal(statSync(join(dir, "identity", "device.json")).mode & 0o777, 0o600);
  const b = loadOrCreateIdentity(dir);
  assert.equal(b.created, false);
  assert.equal(b.identity.deviceId, a.identity.deviceId);
  writeFileSync(join(dir, "identity", "device.json"), "garbage");
  assert.throws(() => loadOrCreateIdentity(dir), (e: unknown) => e instanceof IdentityError && /device\.json/.test(e.message));
  assert.throws(() => loadIdentity(dir), IdentityError);
});

test("TLS pin: saved in node.json and reused when no flag is given; --tls-fingerprint replaces it; --no-tls drops it", () => {
  const pinA = "a".repeat(64);
  const pinB = "b".repeat(64);
  const first = resolveNodeConfig(undefined, { host: "gw.example", port: 18789, tlsFingerprint: pinA });
  assert.deepEqual(first.gateway, { host: "gw.example", port: 18789, tls: true, tlsFingerprint: pinA });
  const dir = mkdtempSync(join(tmpdir(), "nc-pin-"));
  writeNodeConfig(dir, first);
  const restarted = resolveNodeConfig(readNodeConfig(dir), {});
  assert.equal(restarted.gateway.tlsFingerprint, pinA, "a plain restart keeps the pin");
  assert.equal(restarted.gateway.tls, true);
  const replaced = resolveNodeConfig(readNodeConfig(dir), { tlsFingerprint: pinB });
  assert.equal(replaced.gateway.tlsFingerprint, pinB);
  writeNodeConfig(dir, replaced);
  assert.equal(readNodeConfig(dir)?.gateway.tlsFingerprint, pinB);
  const plain = resolveNodeConfig(readNodeConfig(dir), { tls: false });
  assert.equal(plain.gateway.tls, false);
  assert.equal(plain.gateway.tlsFingerprint, undefined);
});

test("TLS: a pin saved as typed by an older release is read normalised; config gateway.tls.enabled is the last fallback", () => {
  const dir = mkdtempSync(join(tmpdir(), "nc-old-"));
  const colon = Array.from({ length: 32 }, () => "AB").join(":");
  writeFileSync(join(dir, "node.json"), JSON.stringify({ version: 1, nodeId: "n", gateway: { host: "h", port: 1, tls: true, tlsFingerprint: `SHA256:${colon}` } }));
  assert.equal(readNodeConfig(dir)?.gateway.tlsFingerprint, "ab".repeat(32));
  assert.equal(resolveNodeConfig(undefined, { configTls: true }).gateway.tls, true);
  assert.equal(resolveNodeConfig(undefined, { configTls: true, tls: false }).gateway.tls, false);
  assert.equal(resolveNodeConfig({ ...saved, gateway: { host: "gw", port: 1234, tls: false } }, { configTls: true }).gateway.tls, false, "a saved choice wins over the config");
});
