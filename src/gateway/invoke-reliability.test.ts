// InvokeRouter limits and reconnect grace, the node.invoke idempotency cache, and the slow-consumer cap.
import { test } from "node:test";
import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { InvokeRouter, type InvokeOutcome } from "./invoke-router.js";
import { IdempotencyCache } from "./idempotency.js";
import { Connection, type ConnectionHost } from "./connection.js";
import { ProtocolError } from "../protocol/errors.js";
import { silentLogger } from "../shared/log.js";

function start(r: InvokeRouter, nodeId: string, ids: string[], timeoutMs = 0): Promise<InvokeOutcome> {
  return r.start({ nodeId, command: "system.run", ownerConnId: "c", timeoutMs, dispatch: (id) => (ids.push(id), true), onTimeout() {} });
}

test("maxConcurrentPerNode: one more invoke is refused UNAVAILABLE, retryable, with a retry hint; other nodes unaffected", async () => {
  const r = new InvokeRouter({ maxConcurrentPerNode: 2 });
  const ids: string[] = [];
  const a = start(r, "n1", ids);
  start(r, "n1", ids);
  const busy = await start(r, "n1", ids);
  assert.equal(busy.ok, false);
  const e = (busy as { error: ProtocolError }).error;
  assert.equal(e.code, "UNAVAILABLE");
  assert.equal(e.retryable, true);
  assert.ok((e.retryAfterMs ?? 0) > 0);
  assert.equal((e.details as { code: string; nodeCommandDispatched: boolean }).code, "NODE_BUSY");
  assert.equal(ids.length, 2, "the refused invoke never reached the node");
  start(r, "n2", ids);
  assert.equal(ids.length, 3);
  r.complete(ids[0]!, "n1", { ok: true, payload: 1, payloadJSON: "1" });
  assert.deepEqual(await a, { ok: true, payload: 1, payloadJSON: "1" });
  start(r, "n1", ids);
  assert.equal(ids.length, 4, "a slot freed by an answer is usable again");
  r.shutdown();
});

test("clean node disconnect fails at once; a dropped socket waits for the grace, a claim keeps the invoke alive", async () => {
  const r = new InvokeRouter({ reconnectGraceMs: 80 });
  const ids: string[] = [];
  const clean = start(r, "n1", ids);
  r.nodeDisconnected("n1", true);
  const c = await clean;
  assert.equal(c.ok, false);
  assert.match((c as { error: Error }).error.message, /^DISCONNECTED: node disconnected/);

  const kept = start(r, "n2", ids);
  const dropped = start(r, "n2", ids);
  const lost = start(r, "n2", ids);
  r.nodeDisconnected("n2", false);
  assert.equal(r.orphanedFor("n2").length, 3);
  // the node is back: it still runs the first two, the third it does not know (it restarted, say)
  r.nodeClaimed("n2", [ids[1]!, ids[2]!]);
  const l = await lost;
  assert.match((l as { error: Error }).error.message, /DISCONNECTED/);
  await new Promise((res) => setTimeout(res, 150));
  assert.equal(r.size, 2, "claimed invokes outlive the grace");
  r.complete(ids[1]!, "n2", { ok: true, payload: "late but delivered", payloadJSON: null });
  assert.equal(((await kept) as { payload: unknown }).payload, "late but delivered");

  // not claimed → DISCONNECTED once the grace has passed (the grace timer is unref'd: keep the loop alive)
  r.nodeDisconnected("n2", false);
  const alive = setTimeout(() => {}, 5000);
  const d = await dropped;
  clearTimeout(alive);
  assert.match((d as { error: Error }).error.message, /DISCONNECTED/);
  assert.equal(r.size, 0);
});

test("late results are reported (not applied twice)", () => {
  const late: string[] = [];
  const r = new InvokeRouter({ onLateResult: (id) => late.push(id) });
  const ids: string[] = [];
  void start(r, "n1", ids);
  assert.equal(r.complete(ids[0]!, "n1", { ok: true, payload: 1, payloadJSON: null }), true);
  assert.equal(r.complete(ids[0]!, "n1", { ok: true, payload: 2, payloadJSON: null }), false);
  assert.deepEqual(late, [ids[0]]);
});

const answer = (payload: unknown) => ({ ok: true as const, nodeId: "n", command: "c", payload, payloadJSON: null });

test("idempotency: a retry joins the call in flight, then gets its answer; other keys and params run", async () => {
  const cache = new IdempotencyCache();
  let runs = 0;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const run = (d: (id: string) => void) => {
    runs++;
    d(`inv-${runs}`);
    return gate.then(() => answer(runs));
  };
  const k = IdempotencyCache.key("op", "n", "key", "system.run", { command: ["x"] });
  const a = cache.run(k, "n", "c", run);
  const b = cache.run(k, "n", "c", run);
  release();
  assert.deepEqual(await a, await b);
  assert.equal(runs, 1);
  assert.deepEqual(await cache.run(k, "n", "c", run), answer(1));
  assert.equal(runs, 1);
  await cache.run(IdempotencyCache.key("op", "n", "key2", "system.run", { command: ["x"] }), "n", "c", run);
  await cache.run(IdempotencyCache.key("op", "n", "key", "system.run", { command: ["y"] }), "n", "c", run);
  await cache.run(IdempotencyCache.key("other", "n", "key", "system.run", { command: ["x"] }), "n", "c", run);
  assert.equal(runs, 4);
});

test("idempotency: refusals before dispatch are not kept; DISCONNECTED is, until a late result replaces it", async () => {
  const cache = new IdempotencyCache();
  let runs = 0;
  const refuse = () => {
    runs++;
    throw new ProtocolError("UNAVAILABLE", "node not connected", { details: { nodeCommandDispatched: false } });
  };
  assert.throws(() => cache.run("k1", "n", "c", refuse));
  assert.throws(() => cache.run("k1", "n", "c", refuse));
  assert.equal(runs, 2, "a refused call may be retried");
  assert.equal(cache.size, 0);

  const disconnected = new ProtocolError("UNAVAILABLE", "DISCONNECTED: node disconnected (c)", { details: { nodeError: { code: "DISCONNECTED" }, nodeCommandDispatched: true } });
  const lost = (d: (id: string) => void) => {
    runs++;
    d("inv-lost");
    return Promise.reject(disconnected);
  };
  await assert.rejects(cache.run("k2", "n", "c", lost), /DISCONNECTED/);
  await assert.rejects(cache.run("k2", "n", "c", lost), /DISCONNECTED/);
  assert.equal(runs, 3, "the retry did not run the command again");
  assert.equal(cache.lateResult("inv-lost", "someone-else", { ok: true, payload: "x", payloadJSON: null }), false, "only the node that ran it");
  assert.equal(cache.lateResult("inv-lost", "n", { ok: true, payload: "done", payloadJSON: "\"done\"" }), true);
  assert.equal((await cache.run("k2", "n", "c", lost)).payload, "done");
  assert.equal(runs, 3);
});

test("idempotency: bounded by maxEntries and ttl", async () => {
  let now = 0;
  const cache = new IdempotencyCache({ maxEntries: 3, ttlMs: 1000, now: () => now });
  for (let i = 0; i < 10; i++) await cache.run(`k${i}`, "n", "c", (d) => (d(`i${i}`), Promise.resolve(answer(i))));
  assert.equal(cache.size, 3);
  now = 5000;
  cache.sweep();
  assert.equal(cache.size, 0);
});

class FakeWs extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  sent = 0;
  closed?: [number, string];
  send(): void {
    this.sent++;
  }
  close(code: number, reason: string): void {
    this.closed = [code, reason];
    this.readyState = 3;
  }
  terminate(): void {
    this.readyState = 3;
  }
}

test("slow consumer: a socket whose outbound buffer passes the cap is closed 1008 'slow consumer' instead of queuing more", () => {
  const ws = new FakeWs();
  const host: ConnectionHost = { log: silentLogger, handshakeTimeoutMs: 60_000, maxBufferedBytes: 1024, onConnect: async () => {}, onRequest: async () => {}, onClose() {} };
  const conn = new Connection(ws as never, { ip: "127.0.0.1", loopback: true }, host);
  assert.equal(ws.sent, 1, "the challenge went out");
  ws.bufferedAmount = 1000;
  assert.equal(conn.sendEvent("tick", {}), true);
  ws.bufferedAmount = 4096; // the peer stopped reading
  assert.equal(conn.sendEvent("tick", {}), false);
  assert.deepEqual(ws.closed, [1008, "slow consumer"]);
  assert.equal(ws.sent, 2);
  conn.close(1000, "");
});
