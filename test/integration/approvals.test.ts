// The operator approval flow through a real gateway and node host: ask → pending → allow-once /
// allow-always / deny / timeout (askFallback), plus refusals of forged approvals, and the CLI waiting.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { Fixture, TOKEN, eventually, startCli } from "../helpers.js";
import { GatewayError } from "../../src/cli/errors.js";
import type { OperatorClient } from "../../src/cli/rpc.js";
import type { Gateway } from "../../src/gateway/gateway.js";
import type { NodeHost } from "../../src/node-host/node-host.js";
import type { SystemRunResult } from "../../src/protocol/methods.js";
import { whichAll } from "../../src/node-host/exec/which.js";

const ASK = (askFallback = "deny", security = "allowlist", ask = "on-miss") => ({ version: 1, defaults: { security, ask, askFallback }, agents: {} });
const PATH = process.env.PATH ?? "/usr/bin:/bin";
const UNAME = whichAll(["uname"], PATH).uname!;
const ID = whichAll(["id"], PATH).id!;

interface Setup {
  f: Fixture;
  gw: Gateway;
  node: NodeHost;
  nodeDir: string;
  op: OperatorClient;
}

async function setup(askFallback = "deny", security = "allowlist", ask = "on-miss"): Promise<Setup> {
  const f = new Fixture();
  const gw = await f.gateway();
  const nodeDir = f.dir();
  const node = await f.pairedNode(gw, { stateDir: nodeDir, approvals: ASK(askFallback, security, ask) });
  const op = await f.operator(gw, ["operator.admin", "operator.read", "operator.write", "operator.approvals", "operator.pairing"]);
  return { f, gw, node, nodeDir, op };
}

function run(s: Setup, params: Record<string, unknown>): Promise<{ payload: SystemRunResult }> {
  return s.op.call("node.invoke", { nodeId: s.node.deviceId, command: "system.run", params, idempotencyKey: randomUUID() });
}

/** Files an approval request; resolves with its id once the gateway accepted it, plus the final answer. */
async function request(s: Setup, argv: string[], timeoutMs = 10_000): Promise<{ id: string; final: Promise<{ decision: string | null }>; request: { allowAlwaysPatterns: string[] } }> {
  let accepted!: (v: { id: string; request: { allowAlwaysPatterns: string[] } }) => void;
  const interim = new Promise<{ id: string; request: { allowAlwaysPatterns: string[] } }>((r) => (accepted = r));
  const final = s.op.callTwoPhase<{ decision: string | null }>("exec.approval.request", { host: "node", nodeId: s.node.deviceId, commandArgv: argv, timeoutMs, twoPhase: true }, (p) => accepted(p as never), timeoutMs + 5000);
  const i = await interim;
  return { id: i.id, final, request: i.request };
}

test("ask → pending → allow-once runs exactly the approved command, once", async () => {
  const s = await setup();
  try {
    await assert.rejects(run(s, { command: ["uname", "-s"] }), (e: unknown) => e instanceof GatewayError && /approval required/.test(e.message));
    const r = await request(s, ["uname", "-s"]);
    const pending = await s.op.call<{ approvals: { id: string; request: { command: string; nodeId: string } }[] }>("exec.approval.list", {});
    assert.equal(pending.approvals.length, 1);
    assert.equal(pending.approvals[0]!.id, r.id);
    assert.equal(pending.approvals[0]!.request.command, `${UNAME} -s`);
    await s.op.call("exec.approval.resolve", { id: r.id, decision: "allow-once" });
    assert.equal((await r.final).decision, "allow-once");
    // the caller's argv is ignored in favour of the approved plan
    const out = await run(s, { command: ["id"], runId: r.id });
    assert.equal(out.payload.stdout, "Linux\n");
    await assert.rejects(run(s, { command: ["uname", "-s"], runId: r.id }), /already used/);
    await assert.rejects(run(s, { command: ["uname", "-s"] }), /approval required/, "allow-once persists nothing");
  } finally {
    await s.f.close();
  }
});

test("allow-always adds the inner executables (never the shell) to the node's allowlist", async () => {
  const s = await setup();
  try {
    const r = await request(s, ["sh", "-c", "uname -s && id -u"]);
    assert.deepEqual([...r.request.allowAlwaysPatterns].sort(), [ID, UNAME].sort());
    const res = await s.op.call<{ allowlistAdded: string[] }>("exec.approval.resolve", { id: r.id, decision: "allow-always" });
    assert.deepEqual([...res.allowlistAdded].sort(), [ID, UNAME].sort());
    const file = JSON.parse(readFileSync(join(s.nodeDir, "exec-approvals.json"), "utf8")) as { agents: { main: { allowlist: { pattern: string }[] } } };
    const patterns = file.agents.main.allowlist.map((e) => e.pattern);
    assert.equal(patterns.some((p) => /\/(sh|bash|dash)$/.test(p)), false, "the shell itself is never allowlisted");
    assert.equal((await run(s, { command: ["sh", "-c", "uname -s && id -u"], runId: r.id })).payload.exitCode, 0);
    // from now on no approval is needed for these executables
    assert.equal((await run(s, { command: ["uname", "-s"] })).payload.stdout, "Linux\n");
    const gwAudit = readFileSync(join(s.gw.stateDir, "audit.jsonl"), "utf8");
    assert.match(gwAudit, /"resolution":"allow-always"/);
    assert.match(gwAudit, /"kind":"change".*"oldHash":"[0-9a-f]{64}","newHash":"[0-9a-f]{64}"/);
  } finally {
    await s.f.close();
  }
});

test("deny and forged approvals are refused", async () => {
  const s = await setup();
  try {
    const r = await request(s, ["uname"]);
    await s.op.call("exec.approval.resolve", { id: r.id, decision: "deny" });
    assert.equal((await r.final).decision, "deny");
    await assert.rejects(run(s, { command: ["uname"], runId: r.id }), /denied by/);
    await assert.rejects(s.op.call("exec.approval.resolve", { id: r.id, decision: "allow-once" }), /already resolved/);
    // a caller cannot approve its own run
    await assert.rejects(run(s, { command: ["uname"], approved: true, approvalDecision: "allow-once" }), /unknown or expired approval id/);
    await assert.rejects(run(s, { command: ["uname"], runId: randomUUID(), approved: true }), /unknown or expired approval id/);
  } finally {
    await s.f.close();
  }
});

test("no answer in time: askFallback decides, capped at security (deny refuses, full runs under security full)", async () => {
  for (const [askFallback, security, ask, expectRun] of [
    ["deny", "allowlist", "on-miss", false],
    ["full", "allowlist", "on-miss", false],
    ["full", "full", "always", true],
  ] as const) {
    const s = await setup(askFallback, security, ask);
    try {
      const r = await request(s, ["uname", "-s"], 200);
      assert.equal((await r.final).decision, null);
      if (expectRun) assert.equal((await run(s, { command: ["uname", "-s"], runId: r.id })).payload.stdout, "Linux\n");
      else await assert.rejects(run(s, { command: ["uname", "-s"], runId: r.id }), /approval timed out/);
      await assert.rejects(run(s, { command: ["uname", "-s"], runId: r.id }), /already used|approval timed out/, "a fallback is single use too");
    } finally {
      await s.f.close();
    }
  }
});

test("`openclaw nodes run` waits, says who must approve and where, and runs on approval", async () => {
  const s = await setup();
  try {
    const p = startCli(["nodes", "run", "--node", s.node.deviceId.slice(0, 10), "--", "uname", "-s"], {
      PATH,
      HOME: s.f.dir(),
      OPENCLAW_GATEWAY_URL: s.gw.url(),
      OPENCLAW_GATEWAY_TOKEN: TOKEN,
    });
    const id = await eventually(() => /openclaw approvals resolve (\S+) allow-once/.exec(p.stderr)?.[1], 10_000, "the CLI printing the resolve command");
    assert.match(p.stderr, new RegExp(s.gw.url().replace(/[.]/g, "\\.")), "it says where to answer");
    await s.op.call("exec.approval.resolve", { id, decision: "allow-once", reviewer: "alice" });
    assert.equal(await p.exit, 0, p.stderr);
    assert.equal(p.stdout, "Linux\n");
    assert.match(p.stderr, /allow-once by alice/);
  } finally {
    await s.f.close();
  }
});
