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
