// node.invoke through a real gateway to a real node host: system.run result shapes, timeouts that
// kill the process tree, output caps, system.which, invoke deadlines, disconnects, gateway checks.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { Fixture, FULL_ACCESS, eventually } from "../helpers.js";
import { GatewayError } from "../../src/cli/errors.js";
import type { Gateway } from "../../src/gateway/gateway.js";
import type { NodeHost } from "../../src/node-host/node-host.js";
import type { OperatorClient } from "../../src/cli/rpc.js";
import type { SystemRunResult } from "../../src/protocol/methods.js";

let f: Fixture;
let gw: Gateway;
let node: NodeHost;
let op: OperatorClient;

before(async () => {
  f = new Fixture();
  gw = await f.gateway();
  node = await f.pairedNode(gw, { approvals: FULL_ACCESS, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", OPENCLAW_GATEWAY_TOKEN: "secret-that-must-not-leak" } });
  op = await f.operator(gw);
});
after(async () => {
  await f.close();
});

type RunResult = SystemRunResult;

async function run(params: Record<string, unknown>, timeoutMs = 10_000): Promise<RunResult> {
  const r = await op.call<{ ok: boolean; payload: RunResult; payloadJSON: string }>("node.invoke", {
    nodeId: node.deviceId,
    command: "system.run",
    params,
    timeoutMs,
    idempotencyKey: randomUUID(),
  });
  assert.equal(r.ok, true);
  assert.deepEqual(JSON.parse(r.payloadJSON), r.payload);
  return r.payload;
}

test("success: exact reference payload", async () => {
  const r = await run({ command: ["echo", "hi"] });
  assert.deepEqual(r, { exitCode: 0, timedOut: false, success: true, stdout: "hi\n", stderr: "", error: null });
  assert.deepEqual(Object.keys(r), ["exitCode", "timedOut", "success", "stdout", "stderr", "error"]);
});

test("non-zero exit is still ok at the invoke level", async () => {
  const r = await run({ command: ["sh", "-c", "echo out; echo err >&2; exit 3"] });
  assert.deepEqual(r, { exitCode: 3, timedOut: false, success: false, stdout: "out\n", stderr: "err\n", error: null });
});

test("ENOENT: no exitCode key, an error string", async () => {
  const r = await run({ command: ["no-such-binary-xyz", "--flag"] });
  assert.equal("exitCode" in r, false);
  assert.equal(r.success, false);
  assert.match(r.error ?? "", /ENOENT/);
});

test("cwd and env overrides reach the command", async () => {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "oclite-cwd-")));
  assert.equal((await run({ command: ["pwd"], cwd: dir })).stdout, `${dir}\n`);
  assert.equal((await run({ command: ["printenv", "FOO"], env: { FOO: "bar" } })).stdout, "bar\n");
});

test("shell-wrapper runs accept only terminal/locale overrides", async () => {
  assert.equal((await run({ command: ["sh", "-c", "echo $LANG"], env: { LANG: "C.UTF-8" } })).stdout, "C.UTF-8\n");
  await assert.rejects(
    op.call("node.invoke", { nodeId: node.deviceId, command: "system.run", params: { command: ["sh", "-c", "echo $FOO"], env: { FOO: "bar" } }, idempotencyKey: randomUUID() }),
    (e: unknown) => e instanceof GatewayError && /environment override rejected/.test(e.message) && /FOO/.test(e.message),
  );
});

test("blocked env overrides are refused, not silently dropped", async () => {
  await assert.rejects(
    op.call("node.invoke", { nodeId: node.deviceId, command: "system.run", params: { command: ["true"], env: { LD_PRELOAD: "/x.so", PATH: "/tmp" } }, idempotencyKey: randomUUID() }),
    (e: unknown) => e instanceof GatewayError && e.code === "UNAVAILABLE" && /environment override rejected/.test(e.message) && /LD_PRELOAD/.test(e.message) && /PATH/.test(e.message),
  );
});

test("the node host's gateway token never reaches a command", async () => {
  const r = await run({ command: ["printenv"] });
  assert.equal(r.exitCode, 0);
  assert.ok(r.stdout.includes("PATH="), "printenv printed the environment");
  assert.equal(r.stdout.includes("secret-that-must-not-leak"), false);
  assert.equal(r.stdout.includes("OPENCLAW_GATEWAY_TOKEN"), false);
});

test("timeout: exit code 124 and the whole process tree is killed", async () => {
  const marker = join(mkdtempSync(join(tmpdir(), "oclite-tree-")), "grandchild-survived");
  const r = await run({ command: ["sh", "-c", `echo start; (sleep 2; touch ${marker}) & sleep 30`], timeoutMs: 500 });
  assert.equal(r.exitCode, 124);
  assert.equal(r.timedOut, true);
  assert.equal(r.success, false);
  assert.equal(r.stdout, "start\n");
  await new Promise((res) => setTimeout(res, 2500));
  assert.equal(existsSync(marker), false, "the backgrounded grandchild must have been killed");
});

test("output is capped with a truncation marker on the truncated stream", async () => {
  const r = await run({ command: ["sh", "-c", "yes abcdefghij | head -c 300000; echo ERR >&2; exit 3"] });
  assert.equal(r.exitCode, 3);
  assert.equal(r.stdout.length, 200_000 + "\n... (truncated)".length);
  assert.ok(r.stdout.endsWith("\n... (truncated)"));
  assert.equal(r.stderr, "ERR\n", "stderr has its own budget and is kept");
});

test("system.which: found binaries with absolute paths, missing ones omitted", async () => {
  const r = await op.call<{ payload: { bins: Record<string, string> } }>("node.invoke", {
    nodeId: node.deviceId,
    command: "system.which",
    params: { bins: ["sh", "no-such-binary-xyz"] },
    idempotencyKey: randomUUID(),
  });
  assert.deepEqual(Object.keys(r.payload.bins), ["sh"]);
  assert.match(r.payload.bins.sh!, /^\/.*\/sh$/);
});

test("invoke deadline: operator gets TIMEOUT and the node cancels the command", async () => {
  const marker = join(mkdtempSync(join(tmpdir(), "oclite-cancel-")), "still-running");
  const started = Date.now();
  await assert.rejects(
    op.call("node.invoke", { nodeId: node.deviceId, command: "system.run", params: { command: ["sh", "-c", `sleep 1.5; touch ${marker}`] }, timeoutMs: 300, idempotencyKey: randomUUID() }),
    (e: unknown) => e instanceof GatewayError && e.code === "UNAVAILABLE" && e.message === "TIMEOUT: node invoke timed out",
  );
  assert.ok(Date.now() - started < 1500);
  await new Promise((res) => setTimeout(res, 2000));
  assert.equal(existsSync(marker), false, "the cancelled command must not have finished");
});

test("gateway-side refusals: execApprovals via node.invoke, undeclared command, unknown node, missing idempotencyKey", async () => {
  await assert.rejects(
    op.call("node.invoke", { nodeId: node.deviceId, command: "system.execApprovals.get", idempotencyKey: "k" }),
    (e: unknown) => e instanceof GatewayError && e.code === "INVALID_REQUEST" && e.message === "node.invoke does not allow system.execApprovals.*; use exec.approvals.node.*",
  );
  await assert.rejects(
    op.call("node.invoke", { nodeId: node.deviceId, command: "system.notify", idempotencyKey: "k" }),
    (e: unknown) => e instanceof GatewayError && e.message === 'node command not allowed: the node (platform: linux) does not support "system.notify"',
  );
  await assert.rejects(op.call("node.invoke", { nodeId: "f".repeat(64), command: "system.run", idempotencyKey: "k" }), (e: unknown) => e instanceof GatewayError && e.code === "UNAVAILABLE");
  await assert.rejects(
    op.call("node.invoke", { nodeId: node.deviceId, command: "system.which" }),
    (e: unknown) => e instanceof GatewayError && e.message === "invalid node.invoke params: must have required property 'idempotencyKey'",
  );
});

test("exec approvals are read and written through exec.approvals.node.*", async () => {
  const snap = await op.call<{ path: string; exists: boolean; hash: string; file: Record<string, unknown> }>("exec.approvals.node.get", { nodeId: node.deviceId });
  assert.equal(snap.exists, true);
  assert.match(snap.hash, /^[0-9a-f]{64}$/);
  await assert.rejects(
    op.call("exec.approvals.node.set", { nodeId: node.deviceId, file: snap.file, baseHash: "0".repeat(64) }),
    (e: unknown) => e instanceof GatewayError && /exec approvals changed; reload and retry/.test(e.message),
  );
});

test("node disconnect mid-invoke: the operator gets DISCONNECTED at once", async () => {
  const f2 = new Fixture();
  try {
    const gw2 = await f2.gateway();
    const n2 = await f2.pairedNode(gw2, { approvals: FULL_ACCESS });
    const op2 = await f2.operator(gw2);
    const pending = op2.call("node.invoke", { nodeId: n2.deviceId, command: "system.run", params: { command: ["sleep", "5"] }, timeoutMs: 10_000, idempotencyKey: "k" });
    await eventually(() => gw2.invokes.size === 1, 3000, "invoke in flight");
    const t = Date.now();
    await n2.stop();
    await assert.rejects(pending, (e: unknown) => e instanceof GatewayError && e.message === "DISCONNECTED: node disconnected (system.run)");
    assert.ok(Date.now() - t < 2000);
  } finally {
    await f2.close();
  }
});
