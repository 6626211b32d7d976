// Hostile input (issue 8, user-asks row 25): a seeded generator sends malformed, truncated, oversized,
// wrong-typed and out-of-order frames to the gateway — before connect, as an operator and as a node —
// and feeds malformed node.invoke.request events to the node host. Checks: no crash, no unhandled
// rejection, every bad frame gets its documented answer (INVALID_REQUEST res, or close 1008/1009/1000
// before connect), the gateway still answers a health call afterwards, and the heap stays flat.
// FUZZ_CASES=100000 (npm run fuzz) for the long run; FUZZ_SEED to replay one.
import { test } from "node:test";
import assert from "node:assert/strict";
import WebSocket from "ws";
import { Fixture, FULL_ACCESS, TOKEN, withTimeout } from "../helpers.js";
import { signPayload, buildPayloadV3, type DeviceKeyPair } from "../../src/protocol/device-auth.js";
import { loadOrCreateIdentity } from "../../src/node-host/identity.js";
import type { NodeHost } from "../../src/node-host/node-host.js";

const CASES = Number(process.env.FUZZ_CASES ?? 3000);
const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed);

/** mulberry32: small, seeded, good enough for input generation. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const METHODS = ["connect", "health", "status", "node.list", "node.describe", "node.invoke", "node.rename", "node.pair.list", "node.pair.approve", "node.pair.reject", "device.pair.list", "device.token.revoke", "exec.approval.request", "exec.approval.resolve", "exec.approvals.get", "exec.approvals.node.get", "exec.approvals.node.set", "node.invoke.result", "node.event", "node.invoke.progress", "no.such.method", "__proto__", "constructor"];

class Gen {
  constructor(readonly r: () => number) {}
  int(n: number): number {
    return Math.floor(this.r() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  str(): string {
    return this.pick(["", "x", "a".repeat(this.int(300)), "\u0000\uffff", "💥", "__proto__", "constructor", "-1", "null", " ", "node-host", "operator", "node", String(this.r())]);
  }
  value(depth = 0): unknown {
    const k = this.int(depth > 2 ? 6 : 9);
    switch (k) {
      case 0: return null;
      case 1: return this.r() < 0.5;
      case 2: return this.pick([0, -1, 1.5, 1e308, -0, Number.MAX_SAFE_INTEGER + 2, 4]);
      case 3: return this.str();
      case 4: return undefined;
      case 5: return this.str();
      case 6: return Array.from({ length: this.int(4) }, () => this.value(depth + 1));
      default: {
        const o: Record<string, unknown> = {};
        for (let i = this.int(5); i > 0; i--) o[this.pick(["id", "nodeId", "command", "params", "ok", "error", "payloadJSON", "event", "requestId", "timeoutMs", "idempotencyKey", "__proto__", "client", "role", "scopes", "auth", "device", this.str()])] = this.value(depth + 1);
        return o;
      }
    }
  }
  /** A request-ish frame, usually almost valid. */
  frame(): unknown {
    const f: Record<string, unknown> = { type: this.r() < 0.85 ? "req" : this.pick(["res", "event", "REQ", 1, null]), id: this.r() < 0.9 ? `f${this.int(1e6)}` : this.value(), method: this.r() < 0.9 ? this.pick(METHODS) : this.value() };
    if (this.r() < 0.8) f.params = this.r() < 0.5 ? this.value() : { nodeId: this.str(), command: this.pick(["system.run", "system.which", this.str()]), params: this.value(), idempotencyKey: this.str(), timeoutMs: this.value(), requestId: this.str(), id: this.str(), ok: this.value(), event: this.str(), payloadJSON: this.r() < 0.5 ? this.str() : this.value() };
    if (this.r() < 0.1) delete f.type;
    return f;
  }
  /** Raw wire bytes: JSON of a frame, or something worse. */
  wire(): { data: string | Buffer; binary?: boolean; kind: string } {
    const k = this.int(10);
    if (k === 0) return { data: JSON.stringify(this.frame()).slice(0, this.int(40)), kind: "truncated" };
    if (k === 1) return { data: Buffer.from(Array.from({ length: this.int(64) }, () => this.int(256))), binary: true, kind: "binary" };
    if (k === 2) return { data: this.pick(["null", "[]", "1", "\"s\"", "{}", "{\"type\":\"req\"}", "true"]), kind: "json-not-frame" };
    return { data: JSON.stringify(this.frame()), kind: "frame" };
  }
}

interface Peer {
  ws: WebSocket;
  answers: Map<string, { ok: boolean; code?: string }>;
  closed?: [number, string];
}

function open(url: string): Promise<{ peer: Peer; nonce: string }> {
  const ws = new WebSocket(url);
  const peer: Peer = { ws, answers: new Map() };
  return new Promise((resolve, reject) => {
    ws.on("error", reject);
    ws.on("close", (c, r) => (peer.closed = [c, r.toString()]));
    ws.on("message", (d) => {
      const fr = JSON.parse(d.toString());
      if (fr.event === "connect.challenge") resolve({ peer, nonce: fr.payload.nonce });
      else if (fr.type === "res") peer.answers.set(String(fr.id), { ok: fr.ok, code: fr.error?.code });
    });
  });
}

function waitAnswer(peer: Peer, id: string, ms = 5000): Promise<{ ok: boolean; code?: string }> {
  return withTimeout(
    new Promise((resolve) => {
      const check = () => {
        const a = peer.answers.get(id);
        if (a) return resolve(a);
        if (peer.closed) return resolve({ ok: false, code: `closed ${peer.closed[0]}` });
        setTimeout(check, 2);
      };
      check();
    }),
    ms,
    `answer to ${id}`,
  );
}

async function connectAs(url: string, role: "operator" | "node", identity?: DeviceKeyPair): Promise<Peer> {
  const { peer, nonce } = await open(url);
  const ts = Date.now();
  const params: Record<string, unknown> = { minProtocol: 4, maxProtocol: 4, client: { id: role === "node" ? "node-host" : "cli", version: "1", platform: "linux", mode: role === "node" ? "node" : "cli" }, role, scopes: role === "node" ? [] : ["operator.admin", "operator.read", "operator.write", "operator.pairing", "operator.approvals"], auth: { token: TOKEN } };
  if (identity) {
    const token = identity ? undefined : TOKEN;
    void token;
    const auth = params.auth as { token?: string; deviceToken?: string };
    const payload = buildPayloadV3({ deviceId: identity.deviceId, clientId: "node-host", clientMode: "node", role: "node", scopes: [], signedAtMs: ts, token: auth.deviceToken ?? auth.token ?? "", nonce, platform: "linux", deviceFamily: undefined });
    params.device = { id: identity.deviceId, publicKey: identity.publicKey, signature: signPayload(identity.privateKeyPem, payload), signedAt: ts, nonce };
  }
  peer.ws.send(JSON.stringify({ type: "req", id: "connect", method: "connect", params }));
  const a = await waitAnswer(peer, "connect");
  assert.equal(a.ok, true, `connect as ${role}: ${a.code}`);
  return peer;
}

function heapAfterGc(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}

test(`fuzz: ${CASES} hostile frames to the gateway (pre-connect, operator, node) and the node's invoke handler`, { timeout: Math.max(60_000, CASES * 5) }, async () => {
  const f = new Fixture();
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on("unhandledRejection", onUnhandled);
  process.on("uncaughtException", onUnhandled);
  const g = new Gen(rng(SEED));
  try {
    const gw = await f.gateway();
    const nodeDir = f.dir();
    const node = await f.pairedNode(gw, { stateDir: nodeDir, approvals: FULL_ACCESS });
    await node.stop(); // the fuzzer takes over the node's identity on its own socket
    const identity = loadOrCreateIdentity(nodeDir).identity;
    const url = gw.url();

    const warm = async (n: number, collect: boolean) => {
      const stats = { pre: 0, operator: 0, node: 0, nodeHost: 0, closes: {} as Record<string, number> };
      let opPeer = await connectAs(url, "operator");
      let nodePeer = await connectAs(url, "node", identity);
      for (let i = 0; i < n; i++) {
        const lane = g.int(10);
        if (lane === 0) {
          // pre-connect: one bad first frame per fresh socket → a documented close, or an INVALID_REQUEST
          const { peer } = await open(url);
          const w = g.int(8) === 0 ? { data: "x".repeat(65_537), kind: "oversize" } : g.wire();
          peer.ws.send(w.data, { binary: w.binary ?? false });
          await withTimeout(new Promise<void>((r) => (peer.closed ? r() : peer.ws.once("close", () => r()))), 5000, `close after a bad first frame (${w.kind})`);
          const [code] = peer.closed!;
          assert.ok([1000, 1008, 1009].includes(code), `pre-connect ${w.kind} closed with ${code}`);
          if (w.kind === "oversize") assert.equal(code, 1009);
          if (collect) stats.closes[code] = (stats.closes[code] ?? 0) + 1;
          stats.pre++;
        } else if (lane <= 4 || lane <= 7) {
          const peer = lane <= 4 ? opPeer : nodePeer;
          const w = g.wire();
          const parsed = (() => {
            try {
              return JSON.parse(typeof w.data === "string" ? w.data : "") as Record<string, unknown>;
            } catch {
              return undefined;
            }
          })();
          peer.ws.send(w.data, { binary: w.binary ?? false });
          if (parsed && parsed.type === "req" && typeof parsed.id === "string" && typeof parsed.method === "string" && parsed.method !== "node.invoke") {
            const a = await waitAnswer(peer, parsed.id);
            if (!a.code?.startsWith("closed")) assert.ok(a.ok || ["INVALID_REQUEST", "FORBIDDEN", "UNAVAILABLE", "NOT_PAIRED", "APPROVAL_NOT_FOUND"].includes(a.code ?? ""), `answer ${JSON.stringify(a)}`);
          }
          if (peer.closed) {
            // only the documented post-connect close is allowed: >10 unauthorized role calls in a row
            assert.deepEqual(peer.closed, [1008, "repeated unauthorized calls"]);
            if (lane <= 4) opPeer = await connectAs(url, "operator");
            else nodePeer = await connectAs(url, "node", identity);
          }
          if (lane <= 4) stats.operator++;
          else stats.node++;
        } else {
          // the node host's invoke handler: malformed node.invoke.request events
          const payload = g.r() < 0.5 ? g.value() : { id: g.str(), nodeId: g.str(), command: g.pick(["system.which", "system.run.prepare", "no.such", g.str()]), paramsJSON: g.r() < 0.5 ? (JSON.stringify(g.value()) ?? "").slice(0, g.int(50)) : g.value(), timeoutMs: g.value() };
          await (node as unknown as { onInvoke(p: unknown): Promise<void> }).onInvoke(payload);
          stats.nodeHost++;
        }
      }
      // still alive and answering
      const hid = `health-${Date.now()}`;
      opPeer.ws.send(JSON.stringify({ type: "req", id: hid, method: "health", params: {} }));
      assert.equal((await waitAnswer(opPeer, hid)).ok, true);
      opPeer.ws.close();
      nodePeer.ws.close();
      return stats;
    };

    await warm(Math.min(300, CASES), false); // warm-up: JIT, caches
    await new Promise((r) => setTimeout(r, 50));
    const before = heapAfterGc();
    const t0 = Date.now();
    const stats = await warm(CASES, true);
    const ms = Date.now() - t0;
    await new Promise((r) => setTimeout(r, 100));
    const after = heapAfterGc();
    const growth = after - before;
    console.log(`# fuzz seed=${SEED} cases=${CASES} in ${ms} ms (${Math.round((CASES / ms) * 1000)} cases/s); lanes ${JSON.stringify(stats)}; heap ${(before / 1e6).toFixed(1)} MB → ${(after / 1e6).toFixed(1)} MB (gc ${typeof (globalThis as { gc?: unknown }).gc === "function" ? "forced" : "not exposed"})`);
    assert.deepEqual(unhandled, []);
    assert.equal(gw.invokes.size, 0, "no invoke left dangling");
    // flat: growth bounded (not proportional to the number of cases)
    assert.ok(growth < 16e6, `heap grew ${(growth / 1e6).toFixed(1)} MB`);
  } finally {
    process.off("unhandledRejection", onUnhandled);
    process.off("uncaughtException", onUnhandled);
    await f.close();
  }
});
