// The node host against a scripted stub gateway: the exact connect it sends (checked against the
// reference shape and verified as a v3 signature), event ordering (exec.* before the result), the
// protocol-3 fallback, the tick watchdog, and exits on terminal auth failures.
import { test } from "node:test";
import assert from "node:assert/strict";
import { WebSocketServer, type WebSocket } from "ws";
import { randomUUID } from "node:crypto";
import { Fixture, eventually } from "../helpers.js";
import { publicKeyObjectFromRaw, rawPublicKey, verifiedPayloadVersion, tokenSlot } from "../../src/protocol/device-auth.js";
import { validate } from "../../src/protocol/validate.js";
import { ConnectParamsSchema, type ConnectParams } from "../../src/protocol/frames.js";
import type { Gateway } from "../../src/gateway/gateway.js";

interface Stub {
  port: number;
  connects: ConnectParams[];
  frames: Record<string, unknown>[];
  closes: { code: number; reason: string }[];
  sockets: WebSocket[];
  close(): Promise<void>;
}

const HELLO = (tickIntervalMs = 30_000, protocol = 4) => ({
  type: "hello-ok",
  protocol,
  server: { version: "stub", connId: "c1" },
  features: { methods: [], events: [] },
  snapshot: { presence: [], health: {}, stateVersion: { presence: 0, health: 0 }, uptimeMs: 1 },
  policy: { maxPayload: 26214400, maxBufferedBytes: 52428800, tickIntervalMs },
  auth: { role: "node", scopes: [], deviceToken: "stub-device-token" },
});

/** `answer(connect, n)` returns the res payload/error for the n-th connect. */
function stub(answer: (p: ConnectParams, n: number) => { ok: true; payload: unknown } | { ok: false; error: unknown; close?: [number, string] }, onReady?: (ws: WebSocket) => void): Promise<Stub> {
  const s: Stub = { port: 0, connects: [], frames: [], closes: [], sockets: [], close: async () => undefined };
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  wss.on("connection", (ws) => {
    s.sockets.push(ws);
    const nonce = randomUUID();
    ws.send(JSON.stringify({ type: "event", event: "connect.challenge", payload: { nonce, ts: Date.now() } }));
    ws.on("close", (code, reason) => s.closes.push({ code, reason: reason.toString() }));
    ws.on("message", (data) => {
      const frame = JSON.parse(data.toString()) as { type: string; id: string; method: string; params: unknown };
      s.frames.push(frame as unknown as Record<string, unknown>);
      if (frame.method === "connect") {
        const p = frame.params as ConnectParams;
        s.connects.push(p);
        const a = answer(p, s.connects.length);
        if (a.ok) {
          ws.send(JSON.stringify({ type: "res", id: frame.id, ok: true, payload: a.payload }));
          onReady?.(ws);
        } else {
          ws.send(JSON.stringify({ type: "res", id: frame.id, ok: false, error: a.error }));
          if (a.close) ws.close(a.close[0], a.close[1]);
        }
        return;
      }
      if (frame.type === "req") ws.send(JSON.stringify({ type: "res", id: frame.id, ok: true, payload: { ok: true } }));
    });
  });
  return new Promise((resolve) =>
    wss.on("listening", () => {
      s.port = (wss.address() as { port: number }).port;
      s.close = () =>
        new Promise((r) => {
          for (const ws of s.sockets) ws.terminate();
          wss.close(() => r());
        });
      resolve(s);
    }),
  );
}

function fakeGateway(port: number): Gateway {
  return { port, url: () => `ws://127.0.0.1:${port}` } as unknown as Gateway;
}

test("connect params: reference shape, v3 signature, stored device token", async () => {
  const f = new Fixture();
  const s = await stub(() => ({ ok: true, payload: HELLO() }));
  try {
    const node = f.node(fakeGateway(s.port), { env: { PATH: "/usr/bin:/bin", OPENCLAW_GATEWAY_TOKEN: "tok" }, displayName: "wire-node" });
    node.start();
    await node.waitConnected();
    const p = s.connects[0]!;
    assert.equal(validate(ConnectParamsSchema, p).ok, true, "the connect passes the reference's closed schema");
    assert.deepEqual([p.minProtocol, p.maxProtocol, p.role, p.client.id, p.client.mode], [4, 4, "node", "node-host", "node"]);
    assert.deepEqual(p.scopes, []);
    assert.equal(p.client.displayName, "wire-node");
    assert.equal(p.client.platform, "linux");
    assert.equal(p.client.deviceFamily, "Linux");
    assert.deepEqual(p.caps, ["system", "browser"], "browser proxy on by default (no openclaw.json)");
    assert.deepEqual(p.commands, ["browser.proxy", "system.execApprovals.get", "system.execApprovals.log", "system.execApprovals.set", "system.run", "system.run.prepare", "system.which"]);
    assert.equal(p.pathEnv, "/usr/bin:/bin");
    assert.deepEqual(p.auth, { token: "tok" });
    const key = publicKeyObjectFromRaw(rawPublicKey(p.device!.publicKey)!)!;
    const version = verifiedPayloadVersion(
      key,
      { deviceId: p.device!.id, clientId: p.client.id, clientMode: p.client.mode, role: "node", scopes: [], signedAtMs: p.device!.signedAt, token: tokenSlot(p.auth), nonce: p.device!.nonce, platform: p.client.platform, deviceFamily: p.client.deviceFamily },
      p.device!.signature,
    );
    assert.equal(version, "v3");
    assert.equal((node as unknown as { config: { token?: string } }).config.token, "stub-device-token", "hello-ok.auth.deviceToken is stored");
  } finally {
    await f.close();
    await s.close();
  }
});

test("system.run sends exec.finished before node.invoke.result; a denial sends exec.denied", async () => {
  const f = new Fixture();
  let sock: WebSocket | undefined;
  const s = await stub(() => ({ ok: true, payload: HELLO() }), (ws) => (sock = ws));
  try {
    const node = f.node(fakeGateway(s.port), { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", OPENCLAW_GATEWAY_TOKEN: "tok" }, approvals: { version: 1, defaults: { security: "allowlist", ask: "off" }, agents: {} } });
    node.start();
    await node.waitConnected();
    const nodeId = node.deviceId;
    sock!.send(JSON.stringify({ type: "event", event: "node.invoke.request", payload: { id: "inv-1", nodeId, command: "system.run", paramsJSON: JSON.stringify({ command: ["uname"], runId: "r1", sessionKey: "s1" }), timeoutMs: 5000 } }));
    const result = await eventually(() => s.frames.find((fr) => fr.method === "node.invoke.result"), 5000, "result");
    const events = s.frames.filter((fr) => fr.method === "node.event" && JSON.stringify(fr).includes("exec."));
    assert.equal(events.length, 1);
    const ev = events[0]!.params as { event: string; payloadJSON: string };
    assert.equal(ev.event, "exec.denied");
    assert.deepEqual(JSON.parse(ev.payloadJSON), { sessionKey: "s1", runId: "r1", host: "node", command: "uname", reason: "allowlist-miss", suppressNotifyOnExit: false });
    assert.ok(s.frames.indexOf(events[0]!) < s.frames.indexOf(result), "event before result");
    assert.deepEqual(result.params, { id: "inv-1", nodeId, ok: false, error: { code: "SYSTEM_RUN_DENIED", message: "SYSTEM_RUN_DENIED: allowlist miss" } });

    sock!.send(JSON.stringify({ type: "event", event: "node.invoke.request", payload: { id: "inv-2", nodeId, command: "system.bogus", paramsJSON: null } }));
    const r2 = await eventually(() => s.frames.find((fr) => fr.method === "node.invoke.result" && (fr.params as { id: string }).id === "inv-2"), 5000, "result 2");
    assert.deepEqual((r2.params as { error: unknown }).error, { code: "UNAVAILABLE", message: "command not supported" });
  } finally {
    await f.close();
    await s.close();
  }
});

test("protocol 3 gateway: the node falls back to the legacy envelope", async () => {
  const f = new Fixture();
  const s = await stub((p) =>
    p.maxProtocol >= 4
      ? { ok: false, error: { code: "INVALID_REQUEST", message: "protocol mismatch", details: { expectedProtocol: 3 } }, close: [1002, "protocol mismatch"] }
      : { ok: true, payload: HELLO(30_000, 3) },
  );
  try {
    const node = f.node(fakeGateway(s.port), { env: { PATH: "/usr/bin:/bin", OPENCLAW_GATEWAY_TOKEN: "tok" } });
    node.start();
    await node.waitConnected();
    assert.equal(s.connects.length, 2);
    const legacy = s.connects[1]!;
    assert.deepEqual([legacy.minProtocol, legacy.maxProtocol], [3, 3]);
    assert.equal(legacy.client.deviceFamily, undefined);
  } finally {
    await f.close();
    await s.close();
  }
});

test("tick watchdog: a silent gateway is dropped with 4000 and the node reconnects", async () => {
  const f = new Fixture();
  const s = await stub(() => ({ ok: true, payload: HELLO(200) }));
  try {
    const node = f.node(fakeGateway(s.port), { env: { PATH: "/usr/bin:/bin", OPENCLAW_GATEWAY_TOKEN: "tok" } });
    node.start();
    await eventually(() => s.closes.some((c) => c.code === 4000 && c.reason === "tick timeout"), 5000, "tick timeout close");
    await eventually(() => s.connects.length >= 2, 5000, "reconnect");
  } finally {
    await f.close();
    await s.close();
  }
});

test("a wrong shared token stops the node with a message saying what to fix", async () => {
  const f = new Fixture();
  const s = await stub(() => ({
    ok: false,
    error: { code: "INVALID_REQUEST", message: "unauthorized: gateway token mismatch (provide gateway auth token)", details: { code: "AUTH_TOKEN_MISMATCH", canRetryWithDeviceToken: true } },
    close: [1008, "unauthorized"],
  }));
  try {
    let fatal = "";
    const node = f.node(fakeGateway(s.port), { env: { PATH: "/usr/bin:/bin", OPENCLAW_GATEWAY_TOKEN: "wrong" }, onFatal: (m) => (fatal = m) });
    node.start();
    await eventually(() => fatal, 5000, "fatal");
    assert.match(fatal, /AUTH_TOKEN_MISMATCH/);
    assert.match(fatal, /OPENCLAW_GATEWAY_TOKEN/);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(s.connects.length, 1, "no retry loop after a terminal failure");
  } finally {
    await f.close();
    await s.close();
  }
});

test("a revoked device token stops a node that has no other credential", async () => {
  const f = new Fixture();
  try {
    const gw = await f.gateway();
    let fatal = "";
    const node = await f.pairedNode(gw, { env: { PATH: "/usr/bin:/bin" }, onFatal: (m) => (fatal = m) });
    const op = await f.operator(gw);
    await op.call("device.token.revoke", { deviceId: node.deviceId, role: "node" });
    await eventually(() => fatal, 5000, "fatal after revocation");
    assert.match(fatal, /device-token-revoked/);
    assert.match(fatal, /pair again/);
  } finally {
    await f.close();
  }
});
