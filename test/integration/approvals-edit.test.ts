// Editing exec-approvals files from the gateway (the gateway host's own and a node's), the effective
// policy `approvals get` explains, and the audit log of those changes — through the built CLI.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Fixture, TOKEN, runCli } from "../helpers.js";
import { GatewayError } from "../../src/cli/errors.js";
import type { OperatorClient } from "../../src/cli/rpc.js";
import type { Gateway } from "../../src/gateway/gateway.js";
import type { NodeHost } from "../../src/node-host/node-host.js";
import type { ApprovalsSnapshot } from "../../src/policy/approvals/file.js";
import { appendAudit, readAudit, type AuditEntry } from "../../src/policy/audit.js";
import { handleExecApprovalsLog } from "../../src/node-host/exec/audit-log-handler.js";

const NODE_FILE = {
  version: 1,
  socket: { path: "/tmp/never.sock", token: "NODE-SOCKET-SECRET" },
  defaults: { security: "allowlist", ask: "on-miss", askFallback: "deny" },
  agents: { main: { allowlist: [{ pattern: "/bin/cat" }] } },
};

let f: Fixture;
let gw: Gateway;
let node: NodeHost;
let nodeDir: string;
let op: OperatorClient;

before(async () => {
  f = new Fixture();
  gw = await f.gateway();
  nodeDir = f.dir();
  node = await f.pairedNode(gw, { stateDir: nodeDir, approvals: NODE_FILE, displayName: "edit-box" });
  op = await f.operator(gw);
});
after(async () => f.close());

function cli(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCli(args, { HOME: f.dir(), OPENCLAW_STATE_DIR: f.dir(), OPENCLAW_GATEWAY_URL: gw.url(), OPENCLAW_GATEWAY_TOKEN: TOKEN }, stdin);
}

function gatewayAudit(): AuditEntry[] {
  return readAudit(gw.stateDir);
}

test("approvals get/set --gateway: round trip through the gateway's own file; a stale baseHash is refused", async () => {
  const empty = await cli(["approvals", "get", "--gateway", "--json"]);
  assert.equal(empty.code, 0, empty.stderr);
  const before = JSON.parse(empty.stdout) as ApprovalsSnapshot & { effective: { agentId: string }[] };
  assert.equal(before.path, join(gw.stateDir, "exec-approvals.json"));
  assert.equal(before.exists, false);
  assert.deepEqual(before.effective.map((e) => e.agentId), ["main", "*"]);

  const src = join(f.dir(), "new.json5");
  writeFileSync(src, "// JSON5 is fine\n{version: 1, defaults: {security: 'full', ask: 'off'}, agents: {main: {allowlist: ['/usr/bin/ls']}},}\n");
  const set = await cli(["approvals", "set", "--gateway", "--file", src]);
  assert.equal(set.code, 0, set.stderr);
  assert.match(set.stderr, /gateway: exec approvals written \(e3b0c44298fc → [0-9a-f]{12}\): defaults\.security unset→full; defaults\.ask unset→off; agents\.main\.allowlist \+\/usr\/bin\/ls/);

  const after = await op.call<ApprovalsSnapshot>("exec.approvals.get", {});
  assert.equal(after.exists, true);
  assert.equal(after.file.defaults?.security, "full");
  assert.deepEqual(after.file.agents.main?.allowlist?.map((e) => e.pattern), ["/usr/bin/ls"]);

  await assert.rejects(
    op.call("exec.approvals.set", { file: { version: 1 }, baseHash: before.hash }),
    (e: unknown) => e instanceof GatewayError && e.code === "INVALID_REQUEST" && /exec approvals changed; reload and retry/.test(e.message),
  );
  await assert.rejects(op.call("exec.approvals.set", { file: { version: 1 } }), /base hash required/);
  await assert.rejects(op.call("exec.approvals.set", { file: { version: 2 }, baseHash: after.hash }), /version must be 1/);
  assert.equal((await op.call<ApprovalsSnapshot>("exec.approvals.get", {})).hash, after.hash);

  const change = gatewayAudit().find((e) => e.kind === "change" && e.target === "gateway");
  assert.ok(change, "the gateway change is audited");
  assert.equal(change.oldHash, before.hash);
  assert.equal(change.newHash, after.hash);
  assert.match(String(change.by), /from 127\.0\.0\.1/);
  assert.match(String(change.ts), /^\d{4}-\d\d-\d\dT/);
});

test("approvals set: invalid input is refused before anything is sent; a target is required", async () => {
  const bad = await cli(["approvals", "set", "--gateway", "--stdin"], '{version: 1, defaults: {security: "open"}}');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /stdin: defaults\.security must be one of deny, allowlist, full/);
  const notJson = await cli(["approvals", "set", "--gateway", "--stdin"], "{nope");
  assert.match(notJson.stderr, /stdin is not valid JSON5/);
  const none = await cli(["approvals", "get"]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /say whose exec approvals: --node <node>, --gateway or --local/);
});

test("approvals set --node changes the node's file; the gateway audit records who, old → new hash and the diff", async () => {
  const cur = await op.call<ApprovalsSnapshot>("exec.approvals.node.get", { nodeId: node.deviceId });
  assert.equal(JSON.stringify(cur).includes("NODE-SOCKET-SECRET"), false);
  const next = { ...cur.file, defaults: { ...cur.file.defaults, security: "full" }, agents: { main: { allowlist: [{ pattern: "/usr/bin/ls" }] } } };
  const r = await cli(["approvals", "set", "--node", "edit-box", "--stdin"], JSON.stringify(next));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /node edit-box: exec approvals written/);

  const onDisk = JSON.parse(readFileSync(join(nodeDir, "exec-approvals.json"), "utf8")) as typeof NODE_FILE;
  assert.equal(onDisk.defaults.security, "full");
  assert.equal(onDisk.socket.token, "NODE-SOCKET-SECRET", "the redacted file kept the node's token");
  assert.deepEqual(onDisk.agents.main.allowlist.map((e) => e.pattern), ["/usr/bin/ls"]);

  const change = gatewayAudit().find((e) => e.kind === "change" && e.nodeId === node.deviceId);
  assert.ok(change, "the node change is audited on the gateway");
  assert.equal(change.oldHash, cur.hash);
  assert.equal(typeof change.newHash, "string");
  assert.notEqual(change.newHash, cur.hash);
  assert.equal(change.nodeName, "edit-box");
  assert.match(String(change.by), /from 127\.0\.0\.1/);
  assert.equal(change.summary, "defaults.security allowlist→full; agents.main.allowlist +/usr/bin/ls -/bin/cat");
  assert.equal(readFileSync(join(gw.stateDir, "audit.jsonl"), "utf8").includes("NODE-SOCKET-SECRET"), false);

  const log = await cli(["approvals", "log", "--json", "--since", "1h"]);
  assert.equal(log.code, 0, log.stderr);
  const doc = JSON.parse(log.stdout) as { source: string; entries: AuditEntry[] };
  assert.equal(doc.source, "gateway");
  assert.ok(doc.entries.some((e) => e.nodeId === node.deviceId && e.summary === change.summary));

  const human = await cli(["approvals", "log"]);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /^TIME\s+KIND\s+WHO\s+WHAT/);
  assert.match(human.stdout, /change .* edit-box: [0-9a-f]{12} → [0-9a-f]{12}: defaults\.security allowlist→full/);
});

test("approvals allowlist add|remove --node: audited, idempotent add", async () => {
  const add = await cli(["approvals", "allowlist", "add", "--node", "edit-box", "--agent", "ops", "/usr/bin/uname"]);
  assert.equal(add.code, 0, add.stderr);
  assert.match(add.stderr, /agents\.ops\.allowlist \+\/usr\/bin\/uname/);
  const again = await cli(["approvals", "allowlist", "add", "--node", "edit-box", "--agent", "ops", "/usr/bin/uname"]);
  assert.match(again.stderr, /already allowlisted/);
  const rm = await cli(["approvals", "allowlist", "remove", "--node", "edit-box", "--agent", "ops", "/usr/bin/uname"]);
  assert.equal(rm.code, 0, rm.stderr);
  const summaries = gatewayAudit().filter((e) => e.nodeId === node.deviceId).map((e) => e.summary);
  assert.ok(summaries.includes("agents.ops.allowlist +/usr/bin/uname"));
  assert.ok(summaries.includes("agents.ops.allowlist -/usr/bin/uname"));
});

test("approvals get --node explains the effective policy per agent", async () => {
  const cur = await op.call<ApprovalsSnapshot>("exec.approvals.node.get", { nodeId: node.deviceId });
  await op.call("exec.approvals.node.set", {
    nodeId: node.deviceId,
    baseHash: cur.hash,
    file: { version: 1, defaults: { security: "allowlist" }, agents: { "*": { allowlist: [{ pattern: "/usr/bin/uname" }] }, main: { askFallback: "deny" }, ci: { security: "full", ask: "off" } } },
  });
  const r = await cli(["approvals", "get", "--node", "edit-box"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^node edit-box: ${join(nodeDir, "exec-approvals.json").replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}\n  hash [0-9a-f]{64}\n`));
  assert.match(r.stdout, /\nmain: allowlisted commands run; anything else \(and any shell wrapper such as sh -c\) waits for an operator's approval \(openclaw approvals pending\); no answer in time → denied \(askFallback deny\)\n  why: security allowlist \(defaults\), ask on-miss \(built-in default\), askFallback deny \(agents\.main\)\n  allowlist: \/usr\/bin\/uname \(from \*\)\n/);
  assert.match(r.stdout, /\nci: every command runs without asking \(security full, ask off\)\n/);
  assert.match(r.stdout, /\n\* \(any other agent\): allowlisted commands run;/);
  const json = JSON.parse((await cli(["approvals", "get", "--node", "edit-box", "--json"])).stdout) as { nodeId: string; effective: { agentId: string; from: Record<string, string> }[] };
  assert.equal(json.nodeId, node.deviceId);
  assert.deepEqual(json.effective.map((e) => e.agentId), ["main", "ci", "*"]);
  assert.deepEqual(json.effective[0]!.from, { security: "defaults", ask: "built-in", askFallback: "agent" });
});

test("node.invoke cannot reach system.execApprovals.* (only the exec.approvals.* relays can)", async () => {
  await assert.rejects(
    op.call("node.invoke", { nodeId: node.deviceId, command: "system.execApprovals.log", params: {}, idempotencyKey: "k1" }),
    /node\.invoke does not allow system\.execApprovals\.\*/,
  );
});

test("system.execApprovals.log handler: entries since/limit from the node's audit log", async () => {
  const dir = f.dir();
  appendAudit(dir, { kind: "decision", decision: "denied", command: "rm -rf /" });
  appendAudit(dir, { kind: "decision", decision: "allowed", command: "uname" });
  const ctx = { stateDir: dir, hostEnv: {}, signal: new AbortController().signal, emitEvent: async () => {} };
  const all = await handleExecApprovalsLog({}, ctx);
  assert.equal(all.ok, true);
  assert.deepEqual((all as { payload: { entries: AuditEntry[] } }).payload.entries.map((e) => e.decision), ["denied", "allowed"]);
  const last = await handleExecApprovalsLog({ limit: 1, sinceMs: 0 }, ctx);
  assert.deepEqual((last as { payload: { entries: AuditEntry[] } }).payload.entries.map((e) => e.decision), ["allowed"]);
  assert.deepEqual(await handleExecApprovalsLog(undefined, ctx).then((r) => r.ok), true);
  const bad = await handleExecApprovalsLog({ limit: -1 }, ctx);
  assert.equal(bad.ok, false);
});

test("approvals log --node reads the node's own audit log", async () => {
  const r = await cli(["approvals", "log", "--node", "edit-box", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { source: string; entries: AuditEntry[] };
  assert.equal(doc.source, "node edit-box");
  assert.ok(Array.isArray(doc.entries));
  assert.equal(r.stdout.includes("NODE-SOCKET-SECRET"), false);
});
