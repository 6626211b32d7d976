// Reliability under faults (issue 8), in process: limits (post-auth maxPayload, concurrent invokes per
// node, pending pairing requests), no lost work (a result survives a dropped node socket; the caller
// gets the result or DISCONNECTED, never silence), idempotency keys (a retried node.invoke runs once).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import WebSocket from "ws";
import { Fixture, FULL_ACCESS, TOKEN, eventually, withTimeout } from "../helpers.js";
import { GatewayError } from "../../src/cli/errors.js";
import type { NodeHost } from "../../src/node-host/node-host.js";
import type { SystemRunResult } from "../../src/protocol/methods.js";

type InvokeRes = { ok: boolean; payload: SystemRunResult };

/** Drops the node's socket without a close handshake, as a network failure would. */
function dropSocket(node: NodeHost): void {
  const ws = (node as unknown as { client: { ws?: WebSocket } }).client.ws;
  assert.ok(ws, "node has a socket");
  ws.terminate();
}

function rawOperator(url: string): Promise<{ ws: WebSocket; closed: Promise<[number, string]> }> {
  const ws = new WebSocket(url, { maxPayload: 64 * 1024 * 1024 });
  const closed = new Promise<[number, string]>((r) => ws.on("close", (c, reason) => r([c, reason.toString()])));
  return new Promise((resolve, reject) => {
    ws.on("error", reject);
    ws.on("message", (d) => {
      const fr = JSON.parse(d.toString());
      if (fr.event === "connect.challenge") {
        ws.send(JSON.stringify({ type: "req", id: "c", method: "connect", params: { minProtocol: 4, maxProtocol: 4, client: { id: "cli", version: "1", platform: "linux", mode: "cli" }, role: "operator", scopes: ["operator.read"], auth: { token: TOKEN } } }));
      } else if (fr.type === "res" && fr.id === "c") resolve({ ws, closed });
    });
  });
}

test("limits: a frame over policy.maxPayload after hello-ok closes 1009; just under it is answered", async () => {
  const f = new Fixture();
  try {
    const gw = await f.gateway();
    const { ws, closed } = await rawOperator(gw.url());
    const answers: string[] = [];
    ws.on("message", (d) => answers.push(JSON.parse(d.toString()).id));
    const frame = (bytes: number, id: string) => {
      const head = JSON.stringify({ type: "req", id, method: "health", params: { pad: "" } });
      return head.replace('"pad":""', `"pad":"${"x".repeat(bytes - head.length)}"`);
    };
    ws.send(frame(1024 * 1024, "mib"));
    await eventually(() => answers.includes("mib"), 5000, "1 MiB health answered");
    ws.send(frame(26_214_400 + 1, "over"));
    const [code] = await withTimeout(closed, 10_000, "close after an oversized frame");
    assert.equal(code, 1009);
    assert.equal(answers.includes("over"), false);
  } finally {
    await f.close();
  }
});

test("limits: gateway.nodes.maxConcurrentInvokes refuses one more invoke with UNAVAILABLE, retryable, retryAfterMs", async () => {
  const f = new Fixture();
  try {
    const gw = await f.gateway({ maxConcurrentInvokes: 2 });
    const node = await f.pairedNode(gw, { approvals: FULL_ACCESS });
    const op = await f.operator(gw);
    const call = () => op.call<InvokeRes>("node.invoke", { nodeId: node.deviceId, command: "system.run", params: { command: ["sleep", "0.4"] }, timeoutMs: 5000, idempotencyKey: randomUUID() });
    const running = [call(), call()];
    await eventually(() => gw.invokes.size === 2, 3000, "two invokes in flight");
    await assert.rejects(call(), (e: unknown) => {
      assert.ok(e instanceof GatewayError);
      assert.equal(e.code, "UNAVAILABLE");
      assert.match(e.message, /node busy: 2 invokes already in flight/);
      const shape = e as unknown as { retryable?: boolean; retryAfterMs?: number; details: { code: string } };
      assert.equal(shape.details.code, "NODE_BUSY");
      return true;
    });
    for (const r of await Promise.all(running)) assert.equal(r.payload.exitCode, 0);
    assert.equal((await call()).payload.exitCode, 0, "free slots are usable again");
  } finally {
    await f.close();
  }
});

test("limits: pending pairing requests are capped; the next new device is refused 1013, retryable", async () => {
  const f = new Fixture();
  try {
    const gw = await f.gateway({ maxPendingPairing: 2 });
    const lines: string[] = [];
    const log = { debug() {}, info() {}, warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", OPENCLAW_GATEWAY_TOKEN: TOKEN };
    for (let i = 0; i < 2; i++) f.node(gw, { env, displayName: `wait-${i}` }).start();
    await eventually(() => gw.store.pending.size === 2, 5000, "two pending requests");
    const third = f.node(gw, { env, displayName: "third", log });
    third.start();
    await eventually(() => lines.some((l) => /pairing queue full: 2 pairing requests are already pending/.test(l)), 5000, "third refused");
    assert.equal(gw.store.pending.size, 2);
    // an already pending device keeps its request (re-connecting is not refused)
    assert.equal(third.isConnected, false);
  } finally {
    await f.close();
  }
});

test("no lost work: the node's socket drops mid-run; the command finishes and the caller still gets its result", async () => {
  const f = new Fixture();
  try {
    const gw = await f.gateway();
    const node = await f.pairedNode(gw, { approvals: FULL_ACCESS });
    const op = await f.operator(gw);
    const pending = op.call<InvokeRes>("node.invoke", { nodeId: node.deviceId, command: "system.run", params: { command: ["sh", "-c", "sleep 0.5; echo finished"] }, timeoutMs: 10_000, idempotencyKey: randomUUID() });
    await eventually(() => gw.invokes.size === 1, 3000, "invoke in flight");
    dropSocket(node); // reconnects within ~50 ms and claims the invoke it still runs
    const r = await pending;
    assert.equal(r.payload.stdout, "finished\n");
  } finally {
    await f.close();
  }
});

test("no lost work: a result produced while disconnected is kept and re-sent with its invoke id, applied once", async () => {
  const f = new Fixture();
  try {
    const gw = await f.gateway();
    const node = await f.pairedNode(gw, { approvals: FULL_ACCESS, reconnect: { initialMs: 700, maxMs: 700 } });
    const op = await f.operator(gw);
    const pending = op.call<InvokeRes>("node.invoke", { nodeId: node.deviceId, command: "system.run", params: { command: ["sh", "-c", "sleep 0.2; echo kept"] }, timeoutMs: 10_000, idempotencyKey: randomUUID() });
    await eventually(() => gw.invokes.size === 1, 3000, "invoke in flight");
    dropSocket(node);
    // the command ends while the node is still waiting to reconnect: the result cannot be sent now
    await eventually(() => node.undeliveredIds.length === 1, 3000, "result kept");
    const r = await pending;
    assert.equal(r.payload.stdout, "kept\n");
    await eventually(() => node.undeliveredIds.length === 0, 3000, "kept result delivered");
  } finally {
    await f.close();
  }
});

test("no lost work: a node that does not come back → DISCONNECTED after the grace, never silence", async () => {
  const f = new Fixture();
  try {
    const gw = await f.gateway({ invokeReconnectGraceMs: 300 });
    const node = await f.pairedNode(gw, { approvals: FULL_ACCESS, reconnect: { initialMs: 60_000, maxMs: 60_000 } });
    const op = await f.operator(gw);
    const pending = op.call("node.invoke", { nodeId: node.deviceId, command: "system.run", params: { command: ["sleep", "5"] }, timeoutMs: 0, idempotencyKey: randomUUID() });
    await eventually(() => gw.invokes.size === 1, 3000, "invoke in flight");
    const t = Date.now();
    dropSocket(node);
    await assert.rejects(pending, (e: unknown) => e instanceof GatewayError && e.message === "DISCONNECTED: node disconnected (system.run)");
    const waited = Date.now() - t;
    assert.ok(waited >= 250 && waited < 3000, `answered after the grace (${waited} ms)`);
  } finally {
    await f.close();
  }
});

test("idempotency: the same idempotencyKey (same caller, node, params) runs the command once, concurrent or retried", async () => {
  const f = new Fixture();
  try {
    const gw = await f.gateway();
    const dir = f.dir();
    const node = await f.pairedNode(gw, { approvals: FULL_ACCESS });
    const op = await f.operator(gw);
    const file = join(dir, "runs.txt");
    const params = { command: ["sh", "-c", `echo run >> '${file}'; sleep 0.2; echo $$`] };
    const invoke = (key: string) => op.call<InvokeRes>("node.invoke", { nodeId: node.deviceId, command: "system.run", params, timeoutMs: 5000, idempotencyKey: key });
    const [a, b] = await Promise.all([invoke("same"), invoke("same")]);
    const c = await invoke("same"); // a retry after the answer
    assert.deepEqual(b, a);
    assert.deepEqual(c, a);
    assert.equal(readFileSync(file, "utf8"), "run\n", "ran exactly once");
    await invoke("another");
    assert.equal(readFileSync(file, "utf8"), "run\nrun\n", "a new key runs again");
  } finally {
    await f.close();
  }
});
