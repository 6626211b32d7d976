import { test } from "node:test";
import assert from "node:assert/strict";
import { ApprovalRegistry, type ApprovalRecord } from "./exec-approvals-registry.js";
import { bindApprovedRun } from "./methods-exec-approval.js";
import type { GatewayContext } from "./context.js";

const plan = { argv: ["/usr/bin/uname", "-a"], cwd: "/tmp", commandText: "/usr/bin/uname -a", agentId: "main", sessionKey: "node" };
const base = { nodeId: "n1", plan, allowAlwaysPatterns: ["/usr/bin/uname"], requestedBy: "tester" };

test("resolve once; a different second answer is refused; waiters get the decision", async () => {
  const reg = new ApprovalRegistry(() => undefined);
  const rec = reg.create({ ...base, timeoutMs: 10_000 });
  const wait = reg.waitDecision(rec.id)!;
  assert.equal(reg.pending().length, 1);
  assert.equal(reg.resolve(rec.id, "allow-once", "alice"), "ok");
  assert.equal(reg.resolve(rec.id, "allow-once", "alice"), "ok", "the same answer again is idempotent");
  assert.equal(reg.resolve(rec.id, "deny", "bob"), "already");
  assert.equal(reg.resolve("nope", "deny", "bob"), "unknown");
  const d = await wait;
  assert.equal(d.decision, "allow-once");
  assert.equal(d.resolvedBy, "alice");
  assert.equal(reg.pending().length, 0);
  reg.shutdown();
});

test("an unanswered request expires with decision null", async () => {
  const expired: ApprovalRecord[] = [];
  const reg = new ApprovalRegistry((r) => expired.push(r));
  const rec = reg.create({ ...base, timeoutMs: 20 });
  const d = await reg.waitDecision(rec.id)!;
  assert.equal(d.decision, null);
  assert.equal(expired.length, 1);
  assert.equal(reg.resolve(rec.id, "allow-once", "late"), "already");
  reg.shutdown();
});

test("bindApprovedRun: plan values replace the caller's; single use; refusals", () => {
  const reg = new ApprovalRegistry(() => undefined);
  const ctx = { approvals: reg } as unknown as GatewayContext;
  // no approval linked: params pass through, but a caller's own approved flag is refused
  const plain = { command: ["ls"], runId: "r1" };
  assert.equal(bindApprovedRun(ctx, "n1", plain), plain);
  assert.throws(() => bindApprovedRun(ctx, "n1", { command: ["ls"], approved: true }), /unknown or expired approval id/);
  assert.throws(() => bindApprovedRun(ctx, "n1", { command: ["ls"], approvalSource: "ask-fallback" }), /unknown or expired approval id/);

  const rec = reg.create({ ...base, env: { FOO: "1" }, timeoutMs: 10_000 });
  assert.throws(() => bindApprovedRun(ctx, "n1", { command: ["x"], runId: rec.id }), /still pending/);
  reg.resolve(rec.id, "allow-once", "alice");
  assert.throws(() => bindApprovedRun(ctx, "other-node", { command: ["x"], runId: rec.id }), /another node/);
  const bound = bindApprovedRun(ctx, "n1", { command: ["rm", "-rf", "/"], cwd: "/", runId: rec.id, timeoutMs: 5000 }) as Record<string, unknown>;
  assert.deepEqual(bound.command, plan.argv, "the approved plan's argv is what runs, not the caller's");
  assert.equal(bound.cwd, "/tmp");
  assert.deepEqual(bound.env, { FOO: "1" });
  assert.equal(bound.approved, true);
  assert.equal(bound.approvalDecision, "allow-once");
  assert.deepEqual(bound.systemRunPlan, plan);
  assert.equal(bound.timeoutMs, 5000);
  assert.throws(() => bindApprovedRun(ctx, "n1", { command: ["x"], runId: rec.id }), /already used/);

  const denied = reg.create({ ...base, timeoutMs: 10_000 });
  reg.resolve(denied.id, "deny", "bob");
  assert.throws(() => bindApprovedRun(ctx, "n1", { runId: denied.id }), /denied by bob/);
  reg.shutdown();
});

test("an expired approval binds as ask-fallback, never as approved", async () => {
  const reg = new ApprovalRegistry(() => undefined);
  const ctx = { approvals: reg } as unknown as GatewayContext;
  const rec = reg.create({ ...base, timeoutMs: 10 });
  await reg.waitDecision(rec.id);
  const bound = bindApprovedRun(ctx, "n1", { runId: rec.id }) as Record<string, unknown>;
  assert.equal(bound.approvalSource, "ask-fallback");
  assert.equal(bound.approved, undefined);
  reg.shutdown();
});
