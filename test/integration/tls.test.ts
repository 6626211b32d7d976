// TLS end to end: a wss:// gateway with its generated self-signed certificate, a node host that pins
// it (from a join code, a flag, then node.json), an operator client and the CLI over wss://.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { Fixture, FULL_ACCESS, TOKEN, eventually, runCli, withTimeout } from "../helpers.js";
import { loadGatewayTls } from "../../src/gateway/tls.js";
import type { Gateway } from "../../src/gateway/gateway.js";
import { NodeHost, decodeJoinCode } from "../../src/node-host/node-host.js";
import { GatewayTransportError } from "../../src/shared/gateway-socket.js";
import { colonFingerprint } from "../../src/shared/tls-fingerprint.js";
import { silentLogger } from "../../src/shared/log.js";
import type { SystemRunResult } from "../../src/protocol/methods.js";

let f: Fixture;
let gw: Gateway;
let gwDir: string;
let fp: string;

before(async () => {
  f = new Fixture();
  gwDir = f.dir();
  const material = await loadGatewayTls({ stateDir: gwDir });
  fp = material.fingerprint;
  gw = await f.gateway({ stateDir: gwDir, tls: { cert: material.cert, key: material.key, fingerprint: fp } });
});
after(async () => f.close());

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCli(args, { HOME: f.dir(), OPENCLAW_STATE_DIR: f.dir(), OPENCLAW_GATEWAY_TOKEN: TOKEN, ...env });
}

test("gateway --tls + a node that pins it: pairs (pin carried by the join code), runs a command, keeps the pin in node.json", async () => {
  assert.match(gw.url(), /^wss:\/\//);
  const stateDir = f.dir();
  const node = await f.pairedNode(gw, { stateDir, approvals: FULL_ACCESS, displayName: "tls-box" });
  assert.equal(node.url, gw.url());
  const saved = JSON.parse(readFileSync(join(stateDir, "node.json"), "utf8")) as { gateway: Record<string, unknown> };
  assert.deepEqual(saved.gateway, { host: "127.0.0.1", port: gw.port, tls: true, tlsFingerprint: fp });

  const op = await f.operator(gw);
  // the gateway's own join codes carry the pin for its wss:// url (protocol.md §6.4)
  const minted = await op.call<{ setupCode: string }>("device.pair.setupCode", {});
  assert.equal(decodeJoinCode(minted.setupCode).tlsFingerprint, fp);
  const viaProxy = await op.call<{ setupCode: string }>("device.pair.setupCode", { publicUrl: "wss://proxy.example.com/gw" });
  assert.equal(decodeJoinCode(viaProxy.setupCode).tlsFingerprint, undefined, "not for a url on another port (a TLS proxy has its own certificate)");
  const r = await op.call<{ ok: boolean; payload: SystemRunResult }>("node.invoke", {
    nodeId: node.deviceId,
    command: "system.run",
    params: { command: ["sh", "-c", "echo over-tls"] },
    idempotencyKey: randomUUID(),
  });
  assert.equal(r.ok, true);
  assert.equal(r.payload.stdout, "over-tls\n");

  // restart without any TLS flag: node.json's pin is reused
  await node.stop();
  const again = f.node(gw, { stateDir, approvals: FULL_ACCESS, displayName: "tls-box" });
  assert.equal(again.config.gateway.tlsFingerprint, fp);
  again.start();
  await withTimeout(again.waitConnected(), 5000, "restarted node did not reconnect with its saved pin");
});

test("an explicit pin in any spelling replaces the saved one and connects", async () => {
  const stateDir = f.dir();
  const node = await f.pairedNode(gw, { stateDir, tls: true, tlsFingerprint: fp, approvals: FULL_ACCESS });
  assert.equal(node.config.gateway.tlsFingerprint, fp);
  await node.stop();
  const other = "c".repeat(64);
  const replaced = f.node(gw, { stateDir, tlsFingerprint: other });
  assert.equal(replaced.config.gateway.tlsFingerprint, other);
  assert.equal((JSON.parse(readFileSync(join(stateDir, "node.json"), "utf8")) as { gateway: { tlsFingerprint: string } }).gateway.tlsFingerprint, other);
});

test("a wrong pin is fatal at once (no retry loop) and the message names both fingerprints", async () => {
  const wrong = "0".repeat(64);
  const fatal: string[] = [];
  const node = f.node(gw, { tls: true, tlsFingerprint: wrong, onFatal: (m) => fatal.push(m) });
  node.start();
  await eventually(() => fatal.length > 0, 5000, "fatal error");
  await new Promise((r) => setTimeout(r, 400)); // reconnect delay is 50–200 ms in the fixture: a retry would fail again
  assert.equal(fatal.length, 1, "reported once, not retried");
  assert.match(fatal[0]!, /gateway tls fingerprint mismatch/);
  assert.ok(fatal[0]!.includes(`expected ${wrong}`) && fatal[0]!.includes(`actual ${fp}`), fatal[0]);
  assert.ok(fatal[0]!.includes(`--tls-fingerprint ${fp}`));
  assert.equal(node.isConnected, false);
});

test("--tls without a pin against the self-signed gateway: fatal, says to pin the fingerprint", async () => {
  const fatal: string[] = [];
  const node = f.node(gw, { tls: true, onFatal: (m) => fatal.push(m) });
  node.start();
  await eventually(() => fatal.length > 0, 5000, "fatal error");
  assert.match(fatal[0]!, /not trusted/);
  assert.ok(fatal[0]!.includes(`--tls-fingerprint ${fp}`), fatal[0]);
});

test("plain ws:// to a non-loopback host is refused before anything is saved; the env var opens private hosts only", () => {
  const stateDir = f.dir();
  const make = (host: string, env: Record<string, string> = {}) => new NodeHost({ stateDir, host, port: 18789, log: silentLogger, env });
  assert.throws(() => make("192.168.1.4"), (e: unknown) => e instanceof GatewayTransportError && e.code === "INSECURE_WS" && /Use TLS/.test(e.message));
  assert.throws(() => readFileSync(join(stateDir, "node.json")), /ENOENT/);
  assert.doesNotThrow(() => make("192.168.1.4", { OPENCLAW_ALLOW_INSECURE_PRIVATE_WS: "1" }));
  assert.throws(() => make("gateway.example.com", { OPENCLAW_ALLOW_INSECURE_PRIVATE_WS: "1" }), (e: unknown) => e instanceof GatewayTransportError && e.code === "INSECURE_WS");
  assert.doesNotThrow(() => new NodeHost({ stateDir, host: "gateway.example.com", tls: true, log: silentLogger, env: {} }));
});

test("CLI over wss:// with a pin lists the nodes; a wrong pin fails with both fingerprints; the local gateway's pin is found by itself", async () => {
  await f.pairedNode(gw, { approvals: FULL_ACCESS, displayName: "cli-tls" });
  const url = `wss://127.0.0.1:${gw.port}`;
  const ok = await cli(["nodes", "list", "--json", "--url", url, "--tls-fingerprint", `sha256:${colonFingerprint(fp)}`]);
  assert.equal(ok.code, 0, ok.stderr);
  const doc = JSON.parse(ok.stdout) as { nodes: { displayName: string; connected: boolean }[] };
  assert.ok(doc.nodes.some((n) => n.displayName === "cli-tls" && n.connected));

  const bad = await cli(["nodes", "list", "--url", url, "--tls-fingerprint", "1".repeat(64)]);
  assert.equal(bad.code, 1);
  assert.ok(bad.stderr.includes(`expected ${"1".repeat(64)}`) && bad.stderr.includes(`actual ${fp}`), bad.stderr);

  // on the gateway machine (its state dir), a loopback wss:// url needs no pin: the local certificate is used
  const local = await cli(["nodes", "list", "--json"], { OPENCLAW_STATE_DIR: gwDir, OPENCLAW_GATEWAY_URL: url });
  assert.equal(local.code, 0, local.stderr);

  const unpinned = await cli(["nodes", "list"], { OPENCLAW_GATEWAY_URL: url });
  assert.equal(unpinned.code, 1);
  assert.match(unpinned.stderr, /not trusted.*openclaw gateway fingerprint/s);

  const fpOut = await cli(["gateway", "fingerprint"], { OPENCLAW_STATE_DIR: gwDir });
  assert.equal(fpOut.code, 0, fpOut.stderr);
  assert.equal(fpOut.stdout, `${fp}\n`);
  const fpJson = await cli(["gateway", "fingerprint", "--json"], { OPENCLAW_STATE_DIR: gwDir });
  assert.equal((JSON.parse(fpJson.stdout) as { fingerprintSha256: string }).fingerprintSha256, fp);
});

test("CLI flag checks: invalid pin, --no-tls with a pin, plain ws:// to a LAN address", async () => {
  const bad = await cli(["node", "run", "--tls-fingerprint", "abc"]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /Invalid TLS fingerprint; expected a SHA-256 certificate fingerprint\./);
  const conflict = await cli(["node", "run", "--no-tls", "--tls-fingerprint", fp]);
  assert.equal(conflict.code, 1);
  assert.match(conflict.stderr, /--no-tls cannot be combined with --tls-fingerprint/);
  const lan = await cli(["node", "run", "--host", "10.0.0.7"]);
  assert.equal(lan.code, 1);
  assert.match(lan.stderr, /SECURITY ERROR: Cannot connect to "10\.0\.0\.7" over plaintext ws:\/\/.*OPENCLAW_ALLOW_INSECURE_PRIVATE_WS=1/s);
  const nofile = await cli(["gateway", "fingerprint"]);
  assert.equal(nofile.code, 1);
  assert.match(nofile.stderr, /no gateway TLS certificate at .*openclaw gateway run --tls/);
});
