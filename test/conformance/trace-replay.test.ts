/*
 * Conformance: the node/operator traces of the REAL OpenClaw 2026.9.6 (every non-`raw-*` file in ../shared/spec/traces)
 * replayed against OUR gateway. (The `raw-*` set is replayed by raw-traces.test.ts, in far more detail.)
 *
 * What it checks
 *   For every trace with a CASES entry: a fresh in-process gateway (127.0.0.1, port 0, token `test-token`), set up as
 *   the trace needs (a node that is paired + approved and connected, paired but offline, or nothing), then every frame
 *   the node host or the operator CLI sent is sent again, in trace order, on one socket per traced connection, and
 *   every `res` the reference gateway sent to those requests must be matched by OUR `res` to the same request id with
 *   the same kind of answer: ok, or the same `error.code`. Nothing else is compared (payloads, events, timings, closes).
 *   What changes between the capture and the replay is substituted:
 *     - node `connect`: the `device` block is rebuilt with a fresh Ed25519 key over THIS socket's challenge;
 *       the traced node id becomes that key's device id everywhere;
 *     - ids the gateway made up (pairing requestIds, device tokens, node.invoke.request ids, ...) are learned by aligning
 *       the reference's answer/event with ours (same JSON path, both id-like strings) and replaced in later frames.
 *   A connection the node or operator closed is closed at that point (1006 = terminated without a close frame).
 *   Entries with `skip` are NOT replayed; the reason is printed as the test's skip message (never silently).
 *
 * How to read a failure
 *   "<trace> <dir> <method> <id>: ..." with OUR answer as `actual`, the reference's as `expected`. `node show.mjs
 *   <trace>.jsonl` in the traces folder shows the reference exchange. "no table entry" means a trace was added: add a
 *   CASES entry.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { Gateway } from "../../src/gateway/gateway.js";
import { buildPayloadV3, generateDeviceKeyPair, signPayload, tokenSlot, type DeviceKeyPair } from "../../src/protocol/device-auth.js";
import { silentLogger } from "../../src/shared/log.js";

type J = any; // frames from the wire or a trace

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "src"))) return dir;
    dir = dirname(dir);
  }
  throw new Error("trace-replay.test: cannot find the repository root");
}
const TRACES_DIR = resolve(repoRoot(), "../shared/spec/traces");
const TRACED_NODE_ID = "f75c0e6c3204712c5a77656d63168666772d2660211d33720eaeefc2d5ad0f18";

interface Rec {
  t: number;
  dir?: string;
  frame?: J;
  by?: string;
  code?: number;
  reason?: string;
  note?: string;
}

function loadTrace(name: string): Rec[] {
  const lines = readFileSync(join(TRACES_DIR, `${name}.jsonl`), "utf8").split("\n").filter((l) => l.trim() !== "");
  return lines.slice(1).map((l) => JSON.parse(l) as Rec);
}

// ---- cases --------------------------------------------------------------------------------------

type Setup = "node-connected" | "node-offline" | "device-approved" | "none";
interface Case {
  setup?: Setup; // default node-connected
  autoApproveLocal?: boolean;
  skip?: string;
  /** request ids whose answer deliberately differs, with the reason (kind of answer not compared for them) */
  differs?: Record<string, string>;
  /**
   * Our gateway reads the node's approvals file (system.execApprovals.get) before forwarding exec.approvals.node.set -
   * a round trip the reference does not make. The replayed node answers it with the last traced get result.
   */
  answerExtraGets?: boolean;
  /** like KNOWN_GAPS, for this trace only */
  knownGaps?: Record<string, { ours: string; why: string }>;
}
const SURFACE_PENDING_GAP = {
  "node.event": {
    ours: "ok",
    why: "while the node's command surface awaits `nodes approve`, the reference refuses node.event with UNAVAILABLE (\"awaiting operator approval\"); our gateway accepts it",
  },
};

const PLUGIN_TOOLS_RACE =
  "the reference answered the first node.pluginTools.update with a transient UNAVAILABLE PAIRING_CHANGED (a race in its pairing store, node-host.md §5.7; the node retries) - we answer ok at once";

const CASES: Record<string, Case> = {
  "approvals-get-node": {},
  "approvals-set-node": { answerExtraGets: true },
  "gateway-sigterm-restart": { skip: "needs our gateway stopped and restarted mid-trace; covered live by check-real-node-vs-our-gateway.sh (gateway restart -> the real node reconnects)" },
  "invoke-defaults-idempotency": {},
  "invoke-defaults-idempotency-2": {},
  "invoke-errors": {},
  "invoke-node-disconnected": { setup: "node-offline" },
  "invoke-system-run-allowlisted": {},
  "invoke-system-run-approval-required": {},
  "invoke-system-run-cwd-env": {},
  "invoke-system-run-denied": {},
  "invoke-system-run-enoent": {},
  "invoke-system-run-nonzero": {},
  "invoke-system-run-ok": {},
  "invoke-system-run-output-cap": {},
  "invoke-system-run-output-cap-mixed": {},
  "invoke-system-run-prepare": {},
  "invoke-system-run-printenv": {},
  "invoke-system-run-security-deny": {},
  "invoke-system-run-timeout": {},
  "invoke-system-which": {},
  "invoke-timeout-cancel": {},
  "invoke-timeout-cancel-2": {},
  "invoke-timing": {},
  "liveness-freeze": { skip: "link-stall timing (the tap froze the link; the node's 2nd connect got no challenge); its frames are those of node-connect-paired, which is replayed" },
  "liveness-starve": { skip: "link-starve timing (140 s); its frames are those of node-connect-paired, which is replayed" },
  "node-auth-token-mismatch": {},
  "node-connect-paired": {},
  "node-killed-mid-invoke": {},
  "node-pairing-auto-local": { setup: "none", autoApproveLocal: true, knownGaps: SURFACE_PENDING_GAP },
  "node-pairing-required": { setup: "none" },
  "node-protocol3-fallback": {},
  "node-restart-after-device-approve": {
    setup: "device-approved",
    knownGaps: {
      ...SURFACE_PENDING_GAP,
      "node.pair.approve": {
        ours: "error INVALID_REQUEST",
        why: "after device.pair.approve our node.pair.list shows no pending command-surface request, so the traced `nodes approve` finds no requestId (\"unknown requestId\"); the reference keeps the surface pending until `nodes approve`",
      },
    },
  },
  "node-sigterm": {},
  "operator-cli-list": {},
};

/** Methods we deliberately do not implement (as in raw-traces.test.ts): any answer will do. */
const OUT_OF_SCOPE_METHODS = new Set(["config.get", "config.set"]);

/**
 * Known gaps of our gateway, found by this replay: for these methods our answer may be the reference's kind OR exactly
 * `ours`, so the replay keeps passing now and once the gap is closed. Each one is printed as a diagnostic.
 */
const KNOWN_GAPS: Record<string, { ours: string; why: string }> = {
  "node.runnerInventory.update": { ours: "error INVALID_REQUEST", why: "not implemented by our gateway (unknown method); the real node host ignores the failure" },
  "node.skills.update": { ours: "error INVALID_REQUEST", why: "not implemented by our gateway (unknown method); the real node host ignores the failure" },
  "node.pluginTools.update": { ours: "error INVALID_REQUEST", why: "not implemented by our gateway (unknown method); the real node host ignores the failure" },
};

// ---- a replayed connection ----------------------------------------------------------------------

class Conn {
  readonly ws: WebSocket;
  readonly frames: J[] = [];
  private waiters: Array<() => void> = [];
  closed = false;
  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.on("message", (data) => {
      try {
        this.frames.push(JSON.parse(String(data)));
      } catch {
        /* not JSON: ignored */
      }
      this.wake();
    });
    this.ws.on("close", () => {
      this.closed = true;
      this.wake();
    });
    this.ws.on("error", () => {});
  }
  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
  async opened(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN) return;
    await new Promise<void>((res, rej) => {
      this.ws.once("open", () => res());
      this.ws.once("error", rej);
    });
  }
  /** Waits for (and removes) the first received frame matching pred. */
  async take(pred: (f: J) => boolean, ms: number, what: string): Promise<J> {
    const end = Date.now() + ms;
    for (;;) {
      const i = this.frames.findIndex(pred);
      if (i >= 0) return this.frames.splice(i, 1)[0];
      const left = end - Date.now();
      if (left <= 0 || (this.closed && this.frames.findIndex(pred) < 0)) throw new Error(`no ${what} within ${ms} ms${this.closed ? " (socket closed)" : ""}`);
      await new Promise<void>((res) => {
        const t = setTimeout(res, left);
        this.waiters.push(() => {
          clearTimeout(t);
          res();
        });
      });
    }
  }
  send(frame: J): void {
    this.ws.send(JSON.stringify(frame));
  }
  close(code?: number): void {
    if (code === 1006 || code === undefined) this.ws.terminate();
    else if (code === 1005) this.ws.close();
    else this.ws.close(code);
  }
}

// ---- substitutions ------------------------------------------------------------------------------

const ID_LIKE = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{64}|[A-Za-z0-9_-]{32,})$/;

class Subst {
  readonly map = new Map<string, string>();
  /** Records traced -> ours for id-like strings at the same JSON path. */
  learn(traced: J, ours: J): void {
    if (typeof traced === "string" && typeof ours === "string") {
      if (traced !== ours && ID_LIKE.test(traced) && ID_LIKE.test(ours) && !this.map.has(traced)) this.map.set(traced, ours);
      return;
    }
    if (Array.isArray(traced) && Array.isArray(ours)) {
      traced.forEach((v, i) => this.learn(v, ours[i]));
      return;
    }
    if (traced && ours && typeof traced === "object" && typeof ours === "object") for (const k of Object.keys(traced)) this.learn(traced[k], ours[k]);
  }
  apply(frame: J): J {
    let text = JSON.stringify(frame);
    for (const [from, to] of this.map) text = text.split(from).join(to);
    return JSON.parse(text);
  }
}

function signNodeConnect(frame: J, key: DeviceKeyPair, nonce: string): J {
  const params = frame.params;
  const signedAtMs = Date.now();
  const signature = signPayload(
    key.privateKeyPem,
    buildPayloadV3({
      deviceId: key.deviceId,
      clientId: params.client.id,
      clientMode: params.client.mode,
      role: params.role ?? "operator",
      scopes: params.scopes ?? [],
      signedAtMs,
      token: tokenSlot(params.auth),
      nonce,
      platform: params.client.platform,
      deviceFamily: params.client.deviceFamily,
    }),
  );
  return { ...frame, params: { ...params, device: { id: key.deviceId, publicKey: key.publicKey, signature, signedAt: signedAtMs, nonce } } };
}

// ---- gateway and setup --------------------------------------------------------------------------

const dirs: string[] = [];
const gapsSeen = new Set<string>();
const gateways: Gateway[] = [];
after(async () => {
  for (const g of gateways) await g.stop().catch(() => {});
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The real node host's connect (caps, commands, client) as captured, used to pre-pair a node. */
function templateNodeConnect(): J {
  const rec = loadTrace("node-connect-paired").find((r) => r.dir === "node>gw" && r.frame?.method === "connect");
  assert.ok(rec, "node-connect-paired has no node connect");
  return rec.frame;
}

let reqSeq = 0;
const ISSUED_TOKEN = new Map<string, string>();
async function rpc(c: Conn, method: string, params: J): Promise<J> {
  const id = `setup-${++reqSeq}`;
  c.send({ type: "req", id, method, params });
  return c.take((f) => f.type === "res" && f.id === id, 10_000, `res to ${method}`);
}

async function connectNode(url: string, key: DeviceKeyPair, subst: Subst): Promise<{ conn: Conn; res: J }> {
  const conn = new Conn(url);
  await conn.opened();
  const ch = await conn.take((f) => f.type === "event" && f.event === "connect.challenge", 5000, "connect.challenge");
  const frame = signNodeConnect(subst.apply(templateNodeConnect()), key, ch.payload.nonce);
  conn.send(frame);
  const res = await conn.take((f) => f.type === "res" && f.id === frame.id, 10_000, "hello");
  return { conn, res };
}

async function operator(url: string): Promise<Conn> {
  const conn = new Conn(url);
  await conn.opened();
  await conn.take((f) => f.type === "event" && f.event === "connect.challenge", 5000, "connect.challenge");
  const res = await rpc(conn, "connect", {
    minProtocol: 4,
    maxProtocol: 4,
    client: { id: "cli", version: "replay", platform: "linux", mode: "cli" },
    role: "operator",
    scopes: ["operator.admin", "operator.pairing", "operator.read", "operator.write"],
    auth: { token: "test-token" },
  });
  assert.equal(res.ok, true, `setup: operator connect refused: ${JSON.stringify(res.error)}`);
  return conn;
}

/** Pairs and approves a node with `key` through the wire (node connect refused -> operator approves everything). */
async function pairNode(url: string, key: DeviceKeyPair, subst: Subst, deviceOnly = false): Promise<Conn | undefined> {
  if (deviceOnly) {
    const first = await connectNode(url, key, subst);
    first.conn.close();
    const op = await operator(url);
    const devices = await rpc(op, "device.pair.list", {});
    for (const p of devices.payload?.pending ?? []) await rpc(op, "device.pair.approve", { requestId: p.requestId });
    op.close(1000);
    return undefined;
  }
  const first = await connectNode(url, key, subst);
  first.conn.close();
  const op = await operator(url);
  for (let round = 0; round < 3; round++) {
    const devices = await rpc(op, "device.pair.list", {});
    for (const p of devices.payload?.pending ?? []) await rpc(op, "device.pair.approve", { requestId: p.requestId });
    const nodes = await rpc(op, "node.pair.list", {});
    for (const p of nodes.payload?.pending ?? []) await rpc(op, "node.pair.approve", { requestId: p.requestId });
    const again = await connectNode(url, key, subst);
    const pendingAfter = (await rpc(op, "node.pair.list", {})).payload?.pending ?? [];
    if (again.res.ok && pendingAfter.length === 0) {
      op.close(1000);
      const token = again.res.payload?.auth?.deviceToken;
      if (typeof token === "string") ISSUED_TOKEN.set(key.deviceId, token);
      return again.conn;
    }
    again.conn.close();
  }
  op.close(1000);
  throw new Error("setup: could not pair + approve the replay node");
}

// ---- the replay ---------------------------------------------------------------------------------

async function replay(name: string, c: Case): Promise<void> {
  const recs = loadTrace(name);
  const dir = mkdtempSync(join(tmpdir(), "ocl-trace-replay-"));
  dirs.push(dir);
  const gw = await Gateway.start({ stateDir: dir, auth: { mode: "token", token: "test-token" }, host: "127.0.0.1", port: 0, autoApproveLocal: c.autoApproveLocal ?? false, log: silentLogger });
  gateways.push(gw);
  const url = gw.url();
  const key = generateDeviceKeyPair();
  const subst = new Subst();
  subst.map.set(TRACED_NODE_ID, key.deviceId);

  const current: Record<"node" | "op", Conn | undefined> = { node: undefined, op: undefined };
  const setup = c.setup ?? "node-connected";
  if (setup !== "none") {
    const conn = await pairNode(url, key, subst, setup === "device-approved");
    if (setup === "node-connected") current.node = conn;
    else conn?.close(1000);
  }
  // device tokens the reference issued before the capture -> the one our gateway issued in the setup
  const ourToken = ISSUED_TOKEN.get(key.deviceId);
  for (const r of recs) {
    const t = r.dir === "node>gw" && r.frame?.method === "connect" ? r.frame.params?.auth?.deviceToken : undefined;
    if (typeof t === "string" && ourToken && !subst.map.has(t)) subst.map.set(t, ourToken);
  }
  const pendingChallenge: Record<"node" | "op", J> = { node: undefined, op: undefined };
  const roleOf = (d: string | undefined): "node" | "op" | undefined => (d?.startsWith("node") || d?.endsWith(">node") ? "node" : d?.startsWith("op") || d?.endsWith(">op") ? "op" : undefined);
  const reqMethod = new Map<string, string>();
  let answered = 0;
  const missingInvokes: string[] = [];
  let extraGetsAnswered = 0;

  for (const r of recs) {
    // a new traced connection
    const opened = r.note?.match(/^(node|op) connection #\d+ opened/);
    if (opened) {
      const role = opened[1] as "node" | "op";
      current[role]?.close();
      const conn = new Conn(url);
      await conn.opened();
      current[role] = conn;
      pendingChallenge[role] = await conn.take((f) => f.type === "event" && f.event === "connect.challenge", 5000, `${name}: connect.challenge`);
      continue;
    }
    if (r.note && /refused by tap/.test(r.note)) continue;
    const role = roleOf(r.dir);
    if (r.dir === "close") {
      const by = r.by as "node" | "op" | "gw";
      if (by === "node" || by === "op") {
        current[by]?.close(r.code);
        current[by] = undefined;
      }
      continue;
    }
    if (!role || !r.frame) continue;
    const conn = current[role];
    const fromClient = r.dir === "node>gw" || r.dir === "op>gw";
    if (fromClient) {
      if (!conn || conn.closed) continue; // the traced connection is gone on our side (e.g. closed by the gateway); nothing to send on
      let frame = subst.apply(r.frame);
      if (frame.type === "req" && frame.method === "connect" && role === "node") frame = signNodeConnect(frame, key, pendingChallenge.node?.payload?.nonce ?? "");
      if (frame.type === "req") reqMethod.set(frame.id, frame.method);
      conn.send(frame);
      continue;
    }
    // from the gateway: only answers and node.invoke.request events are awaited
    if (r.frame.type === "res") {
      const id = subst.apply(r.frame.id);
      const method = reqMethod.get(id) ?? "?";
      if (!reqMethod.has(id)) continue; // an answer to a request we never sent (synthetic tap frame / setup)
      const at = `${name} ${r.dir} ${method} ${id}`;
      if (r.note === undefined && recs[recs.indexOf(r) - 1]?.note?.startsWith("tap answered")) continue;
      assert.ok(conn, `${at}: no connection`);
      const ours = await conn.take((f) => f.type === "res" && f.id === id, 15_000, `${at}: res`).catch((e: Error) => {
        const unanswered = (current.node?.frames ?? []).filter((f) => f.event === "node.invoke.request").map((f) => f.payload?.command);
        assert.fail(`${e.message}${unanswered.length ? `; our gateway asked the node for ${unanswered.join(", ")}, which the trace does not answer` : ""}`);
      });
      answered++;
      if (c.differs?.[r.frame.id] || OUT_OF_SCOPE_METHODS.has(method)) continue;
      const kind = (f: J) => (f.ok ? "ok" : `error ${f.error?.code}`);
      const gap = c.knownGaps?.[method] ?? KNOWN_GAPS[method];
      if (gap && kind(ours) === gap.ours && kind(r.frame) !== gap.ours) {
        gapsSeen.add(`${method}: ${gap.why} (reference: ${kind(r.frame)}, ours: ${gap.ours})`);
        continue;
      }
      assert.equal(kind(ours), kind(r.frame), `${at}: kind of answer${missingInvokes.length ? ` (our gateway never sent the node: ${missingInvokes.join(", ")})` : ""} (ours: ${JSON.stringify(ours.error ?? ours.payload ?? {}).slice(0, 300)})`);
      if (ours.ok && r.frame.ok) subst.learn(r.frame.payload, ours.payload);
      else if (!ours.ok && !r.frame.ok) subst.learn(r.frame.error?.details, ours.error?.details);
    } else if (r.frame.type === "event" && r.frame.event === "node.invoke.request") {
      assert.ok(conn, `${name}: node.invoke.request but no node connection`);
      const command = r.frame.payload?.command;
      if (c.answerExtraGets && command !== "system.execApprovals.get") {
        const extra = await conn.take((f) => f.type === "event" && f.event === "node.invoke.request" && f.payload?.command === "system.execApprovals.get", 1000, "extra get").catch(() => undefined);
        const lastGet = [...recs.slice(0, recs.indexOf(r))].reverse().find((x) => x.dir === "node>gw" && x.frame?.method === "node.invoke.result" && /"exists"/.test(x.frame?.params?.payloadJSON ?? ""));
        if (extra && lastGet) {
          extraGetsAnswered++;
          conn.send({ type: "req", id: `extra-get-${extraGetsAnswered}`, method: "node.invoke.result", params: subst.apply({ ...lastGet.frame.params, id: extra.payload.id }) });
        }
      }
      // not fatal by itself: if our gateway answers the operator without asking the node, the operator's answer shows it
      const ours = await conn
        .take((f) => f.type === "event" && f.event === "node.invoke.request" && f.payload?.command === command, 5000, `${name}: node.invoke.request ${command}`)
        .catch(() => undefined);
      if (ours) subst.learn(r.frame.payload?.id, ours.payload?.id);
      else missingInvokes.push(command);
    }
  }
  current.node?.close(1000);
  current.op?.close(1000);
  assert.ok(answered > 0 || !recs.some((r) => r.frame?.type === "res"), `${name}: nothing was compared`);
}

// ---- tests --------------------------------------------------------------------------------------

const traceNames = readdirSync(TRACES_DIR)
  .filter((f) => f.endsWith(".jsonl") && !f.startsWith("raw-") && !f.startsWith("_"))
  .map((f) => f.slice(0, -".jsonl".length))
  .sort();

describe("node/operator traces of the real gateway, replayed against ours", () => {
  it("every non-raw trace has a CASES entry and every entry a trace", () => {
    assert.deepEqual(traceNames.filter((n) => !(n in CASES)), [], "no table entry for these traces");
    assert.deepEqual(Object.keys(CASES).filter((n) => !traceNames.includes(n)), [], "no trace for these entries");
  });
  for (const name of traceNames) {
    const c = CASES[name];
    if (!c) continue;
    it(name, c.skip ? { skip: `NOT REPLAYED: ${c.skip}` } : {}, async (t) => {
      const before = new Set(gapsSeen);
      await replay(name, c);
      for (const g of gapsSeen) if (!before.has(g)) t.diagnostic(`KNOWN GAP ${g}`);
    });
  }
});
