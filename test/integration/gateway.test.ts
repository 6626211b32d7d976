// Gateway lifecycle: ticks with per-socket seq, graceful shutdown (event, answers for in-flight
// invokes, close 1012), and the node's pending-surface flow when it declares a new command.
import { test } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { randomUUID } from "node:crypto";
import { Fixture, FULL_ACCESS, TOKEN, eventually } from "../helpers.js";
import { GatewayError } from "../../src/cli/errors.js";

test("ticks carry an increasing seq; shutdown answers in-flight invokes, then closes 1012", async () => {
  const f = new Fixture();
  try {
    const gw = await f.gateway({ tickIntervalMs: 100 });
    const node = await f.pairedNode(gw, { approvals: FULL_ACCESS });
    const op = await f.operator(gw);
    const events: { event: string; payload: unknown }[] = [];
    op.onEvent((event, payload) => events.push({ event, payload }));
    // a raw socket to see seq numbers and the close code
    const raw = new WebSocket(gw.url());
    const seen: { event: string; seq?: number }[] = [];
    let closed: [number, string] | undefined;
    raw.on("message", (d) => {
      const fr = JSON.parse(d.toString());
      if (fr.event === "connect.challenge") {
        raw.send(JSON.stringify({ type: "req", id: "c", method: "connect", params: { minProtocol: 4, maxProtocol: 4, client: { id: "cli", version: "1", platform: "linux", mode: "cli" }, role: "operator", scopes: ["operator.read"], auth: { token: TOKEN } } }));
      } else if (fr.type === "event") seen.push({ event: fr.event, seq: fr.seq });
    });
    raw.on("close", (code, reason) => (closed = [code, reason.toString()]));
    await eventually(() => seen.filter((e) => e.event === "tick").length >= 3, 3000, "three ticks");
    const seqs = seen.map((e) => e.seq!);
    assert.deepEqual(seqs, seqs.map((_, i) => i + 1), "seq starts at 1 and increases by one");

    const inflight = op.call("node.invoke", { nodeId: node.deviceId, command: "system.run", params: { command: ["sleep", "5"] }, idempotencyKey: randomUUID() });
    await eventually(() => gw.invokes.size === 1, 3000, "invoke in flight");
    const outcome = inflight.then(() => undefined, (e: unknown) => e);
    await gw.stop();
    const e = await outcome;
    assert.ok(e instanceof GatewayError && e.code === "UNAVAILABLE" && /shutting down/.test(e.message), String(e));
    await eventually(() => closed, 3000, "raw socket closed");
    assert.deepEqual(closed, [1012, "service restart"]);
    assert.ok(seen.some((e) => e.event === "shutdown"));
    assert.ok(events.some((e) => e.event === "shutdown" && (e.payload as { reason: string }).reason === "gateway stopping"));
  } finally {
    await f.close();
  }
});

test("a node that declares a new command gets it only after operator re-approval", async () => {
  const f = new Fixture();
  try {
    const gw = await f.gateway();
    const stateDir = f.dir();
    const n1 = await f.pairedNode(gw, { stateDir });
    await n1.stop();
    // same device, now also declaring system.notify (allowed by the gateway's platform list)
    const mod = await import("../../src/node-host/node-host.js");
    mod.NODE_COMMANDS.push("system.notify");
    try {
      const n2 = f.node(gw, { stateDir });
      n2.start();
      await n2.waitConnected();
      const op = await f.operator(gw);
      const list = await op.call<{ nodes: { approvalState: string; commands: string[]; pendingRequestId?: string }[] }>("node.list", {});
      assert.equal(list.nodes[0]!.approvalState, "pending-reapproval");
      assert.equal(list.nodes[0]!.commands.includes("system.notify"), false);
      assert.equal(list.nodes[0]!.commands.includes("system.run"), true, "approved commands keep working meanwhile");
      const pending = (await op.call<{ pending: { requestId: string; kind: string; commands: string[] }[] }>("node.pair.list", {})).pending;
      assert.equal(pending.length, 1);
      assert.equal(pending[0]!.kind, "surface");
      await op.call("node.pair.approve", { requestId: pending[0]!.requestId });
      const after = await op.call<{ nodes: { approvalState: string; commands: string[] }[] }>("node.list", {});
      assert.equal(after.nodes[0]!.approvalState, "approved");
      assert.equal(after.nodes[0]!.commands.includes("system.notify"), true);
    } finally {
      mod.NODE_COMMANDS.pop();
    }
  } finally {
    await f.close();
  }
});

test("a declared command outside the gateway's allowlist is 'not in the allowlist', not 'not supported'", async () => {
  const f = new Fixture();
  const mod = await import("../../src/node-host/node-host.js");
  mod.NODE_COMMANDS.push("dir.list");
  try {
    const gw = await f.gateway();
    const node = await f.pairedNode(gw);
    const op = await f.operator(gw);
    await assert.rejects(
      op.call("node.invoke", { nodeId: node.deviceId, command: "dir.list", idempotencyKey: "k" }),
      (e: unknown) => e instanceof GatewayError && e.message === 'node command not allowed: "dir.list" is not in the allowlist for platform "linux"' && (e.details as { reason: string }).reason === "command not allowlisted",
    );
    const list = await op.call<{ nodes: { approvalState: string }[] }>("node.list", {});
    assert.equal(list.nodes[0]!.approvalState, "approved", "a withheld command does not leave the node pending forever");
  } finally {
    mod.NODE_COMMANDS.pop();
    await f.close();
  }
});
