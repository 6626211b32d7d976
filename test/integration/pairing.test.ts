// Pairing through a real gateway and node host: pending → approve → admitted without restart;
// reject; join codes (single use); gateway restart keeps the pairing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Fixture, TOKEN, eventually, withTimeout } from "../helpers.js";
import { GatewayError } from "../../src/cli/errors.js";

const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", OPENCLAW_GATEWAY_TOKEN: TOKEN };

test("a new node waits for approval and is admitted within seconds of it, without a restart", async () => {
  const f = new Fixture();
  try {
    const gw = await f.gateway();
    const node = f.node(gw, { env, displayName: "build-box" });
    node.start();
    const op = await f.operator(gw);
    const pending = await eventually(async () => (await op.call<{ pending: { requestId: string; nodeId: string; displayName?: string; commands: string[] }[] }>("node.pair.list", {})).pending[0], 5000, "pending request");
    assert.equal(pending.nodeId, node.deviceId);
    assert.equal(pending.displayName, "build-box");
    assert.deepEqual(pending.commands, ["browser.proxy", "system.execApprovals.get", "system.execApprovals.log", "system.execApprovals.set", "system.run", "system.run.prepare", "system.which"]);
    assert.equal(node.isConnected, false);
    // a repeat connect reuses the same request
    await new Promise((r) => setTimeout(r, 300));
    const again = (await op.call<{ pending: { requestId: string }[] }>("node.pair.list", {})).pending;
    assert.equal(again.length, 1);
    assert.equal(again[0]!.requestId, pending.requestId);

    await op.call("node.pair.approve", { requestId: pending.requestId });
    await withTimeout(node.waitConnected(), 3000, "node admitted after approval");
    const list = await op.call<{ nodes: { nodeId: string; connected: boolean; approvalState: string; commands: string[] }[] }>("node.list", {});
    assert.equal(list.nodes.length, 1);
    assert.equal(list.nodes[0]!.connected, true);
    assert.equal(list.nodes[0]!.approvalState, "approved");
    assert.ok(list.nodes[0]!.commands.includes("system.run"));
  } finally {
    await f.close();
  }
});

test("a rejected request is gone; the node's next attempt files a new one", async () => {
  const f = new Fixture();
  try {
    const gw = await f.gateway();
    const node = f.node(gw, { env });
    node.start();
    const op = await f.operator(gw);
    const first = await eventually(async () => (await op.call<{ pending: { requestId: string }[] }>("node.pair.list", {})).pending[0], 5000, "pending request");
    const r = await op.call<{ requestId: string; nodeId: string }>("node.pair.reject", { requestId: first.requestId });
    assert.equal(r.nodeId, node.deviceId);
    await assert.rejects(op.call("node.pair.approve", { requestId: first.requestId }), (e: unknown) => e instanceof GatewayError && e.message === "unknown requestId");
    const second = await eventually(async () => (await op.call<{ pending: { requestId: string }[] }>("node.pair.list", {})).pending[0], 5000, "new pending request");
    assert.notEqual(second.requestId, first.requestId);
    assert.equal(node.isConnected, false);
  } finally {
    await f.close();
  }
});

test("a join code pairs a node at once and cannot be used by a second device", async () => {
  const f = new Fixture();
  try {
    const gw = await f.gateway();
    const code = f.joinCode(gw);
    const a = f.node(gw, { pair: code, env: { PATH: env.PATH } });
    a.start();
    await withTimeout(a.waitConnected(), 5000, "node with join code connected");
    const op = await f.operator(gw);
    const devices = await op.call<{ paired: { deviceId: string; approvedVia: string }[]; pending: unknown[] }>("device.pair.list", {});
    assert.equal(devices.paired[0]?.approvedVia, "bootstrap");
    assert.equal(devices.pending.length, 0);

    let fatal = "";
    const b = f.node(gw, { pair: code, env: { PATH: env.PATH }, onFatal: (m) => (fatal = m) });
    b.start();
    await eventually(() => fatal, 5000, "second device refused");
    assert.match(fatal, /AUTH_BOOTSTRAP_TOKEN_INVALID/);
    assert.match(fatal, /join-code/);
    assert.equal(b.isConnected, false);
  } finally {
    await f.close();
  }
});

test("a node without any credential exits with a message saying what to set", async () => {
  const f = new Fixture();
  try {
    const gw = await f.gateway();
    let fatal = "";
    const node = f.node(gw, { env: { PATH: env.PATH }, onFatal: (m) => (fatal = m) });
    node.start();
    await eventually(() => fatal, 5000, "fatal");
    assert.match(fatal, /AUTH_TOKEN_MISSING/);
    assert.match(fatal, /OPENCLAW_GATEWAY_TOKEN/);
  } finally {
    await f.close();
  }
});

test("pairing survives a gateway restart and the node reconnects by itself", async () => {
  const f = new Fixture();
  try {
    const stateDir = f.dir();
    const gw1 = await f.gateway({ stateDir });
    const node = await f.pairedNode(gw1, { env: { PATH: env.PATH } });
    const port = gw1.port;
    await gw1.stop();
    await eventually(() => !node.isConnected, 3000, "node noticed the shutdown");
    const gw2 = await f.gateway({ stateDir, port });
    await withTimeout(node.waitConnected(), 5000, "node reconnected after the restart");
    const op = await f.operator(gw2);
    const list = await op.call<{ nodes: { connected: boolean; approvalState: string }[] }>("node.list", {});
    assert.equal(list.nodes[0]?.connected, true);
    assert.equal(list.nodes[0]?.approvalState, "approved");
    const pending = await op.call<{ pending: unknown[] }>("node.pair.list", {});
    assert.equal(pending.pending.length, 0);
  } finally {
    await f.close();
  }
});

test("a restarted node host reuses its identity and device token", async () => {
  const f = new Fixture();
  try {
    const gw = await f.gateway();
    const stateDir = f.dir();
    const first = await f.pairedNode(gw, { stateDir, env: { PATH: env.PATH } });
    const id = first.deviceId;
    await first.stop();
    const second = f.node(gw, { stateDir, env: { PATH: env.PATH } }); // no join code, no shared token
    second.start();
    await withTimeout(second.waitConnected(), 5000, "restarted node connected with its device token");
    assert.equal(second.deviceId, id);
  } finally {
    await f.close();
  }
});
