import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sha256Hex } from "../../protocol/device-auth.js";
import { serializeApprovals } from "../../policy/approvals/file.js";
import {
  handleExecApprovalsGet,
  handleExecApprovalsSet,
  handleSystemRun,
  handleSystemWhich,
  type CommandContext,
  type CommandOutcome,
} from "./handlers.js";
import { tempDir, waitUntilDead } from "../../shared/test-helpers.js";

const SECRET = "node-secret-gateway-token-123";
const FULL = { version: 1, defaults: { security: "full", ask: "off" }, agents: {} };
const UNAME = execFileSync("sh", ["-c", "command -v uname"], { encoding: "utf8" }).trim();

interface Harness {
  ctx: CommandContext;
  dir: string;
  approvalsPath: string;
  /** Events in the order they were sent, each tagged with whether the handler had already returned. */
  events: { event: string; payload: Record<string, unknown> }[];
  abort: AbortController;
  run(params: unknown): Promise<CommandOutcome>;
  cleanup(): void;
}

function harness(approvals?: unknown): Harness {
  const { dir, cleanup } = tempDir("handlers");
  const approvalsPath = join(dir, "exec-approvals.json");
  if (approvals !== undefined) writeFileSync(approvalsPath, typeof approvals === "string" ? approvals : serializeApprovals(approvals as never));
  const events: Harness["events"] = [];
  const abort = new AbortController();
  const ctx: CommandContext = {
    stateDir: dir,
    hostEnv: { ...process.env, OPENCLAW_GATEWAY_TOKEN: SECRET, OPENCLAW_GATEWAY_PASSWORD: SECRET, HOME: dir },
    signal: abort.signal,
    // slow on purpose: a handler that does not await the event would return before it is recorded
    emitEvent: async (event, payload) => {
      await new Promise((r) => setTimeout(r, 20));
      events.push({ event, payload: payload as Record<string, unknown> });
    },
  };
  return { ctx, dir, approvalsPath, events, abort, run: (params) => handleSystemRun(params, ctx), cleanup };
}

async function withHarness(approvals: unknown, fn: (h: Harness) => Promise<void>): Promise<void> {
  const h = harness(approvals);
  try {
    await fn(h);
  } finally {
    h.cleanup();
  }
}

function payloadOf(outcome: CommandOutcome): Record<string, unknown> {
  assert.equal(outcome.ok, true, JSON.stringify(outcome));
  return (outcome as { payload: Record<string, unknown> }).payload;
}

// ---- validation ---------------------------------------------------------------------------------

test("system.run: validation errors, in order, with no event", async () => {
  await withHarness(FULL, async (h) => {
    const cases: [unknown, string][] = [
      [undefined, "paramsJSON required"],
      [null, "paramsJSON required"],
      [{}, "command required"],
      [{ command: [] }, "command required"],
      [{ command: "echo hi" }, "command required"],
      [{ command: ["uname", "-a"], rawCommand: "rm -rf /" }, "rawCommand does not match command"],
    ];
    for (const [params, message] of cases) {
      assert.deepEqual(await h.run(params), { ok: false, error: { code: "INVALID_REQUEST", message } }, JSON.stringify(params));
    }
    const typed = await h.run({ command: ["echo"], timeoutMs: "soon" });
    assert.equal(typed.ok, false);
    if (!typed.ok) assert.match(typed.error.message, /timeoutMs/);
    assert.deepEqual(h.events, []);
  });
});

// ---- running ------------------------------------------------------------------------------------

test("system.run: echo → exact payload and exec.finished before the result", async () => {
  await withHarness(FULL, async (h) => {
    const outcome = await h.run({ command: ["echo", "hi"], runId: "run-1", rawCommand: "echo hi" });
    assert.equal(JSON.stringify(payloadOf(outcome)), '{"exitCode":0,"timedOut":false,"success":true,"stdout":"hi\\n","stderr":"","error":null}');
    assert.equal(h.events.length, 1, "the event was not awaited before returning");
    assert.equal(h.events[0]?.event, "exec.finished");
    assert.equal(
      JSON.stringify(h.events[0]?.payload),
      '{"sessionKey":"node","runId":"run-1","host":"node","command":"echo hi","exitCode":0,"timedOut":false,"success":true,"output":"hi","suppressNotifyOnExit":false}',
    );
  });
});

test("system.run: non-zero exit with stdout and stderr", async () => {
  await withHarness(FULL, async (h) => {
    const outcome = await h.run({ command: ["sh", "-c", "echo out; echo err >&2; exit 3"], sessionKey: "s1" });
    assert.deepEqual(payloadOf(outcome), { exitCode: 3, timedOut: false, success: false, stdout: "out\n", stderr: "err\n", error: null });
    const event = h.events[0]?.payload;
    assert.equal(event?.sessionKey, "s1");
    assert.equal(event?.command, "echo out; echo err >&2; exit 3");
    assert.equal(event?.output, "out\n\nerr");
    assert.match(String(event?.runId), /^[0-9a-f-]{36}$/);
  });
});

test("system.run: missing executable → no exitCode anywhere", async () => {
  await withHarness(FULL, async (h) => {
    const payload = payloadOf(await h.run({ command: ["no-such-binary-xyz", "--flag"] }));
    assert.equal(
      JSON.stringify(payload),
      '{"timedOut":false,"success":false,"stdout":"","stderr":"","error":"Command failed during launch or output capture (ENOENT)"}',
    );
    assert.equal("exitCode" in (h.events[0]?.payload ?? { exitCode: 1 }), false);
    assert.equal(h.events[0]?.payload.output, "Command failed during launch or output capture (ENOENT)");
  });
});

test("system.run: cwd and an env override reach the child", async () => {
  await withHarness(FULL, async (h) => {
    assert.equal(payloadOf(await h.run({ command: ["pwd"], cwd: " /tmp " })).stdout, "/tmp\n");
    assert.equal(payloadOf(await h.run({ command: ["printenv", "FOO"], env: { FOO: "bar" } })).stdout, "bar\n");
    const missing = payloadOf(await h.run({ command: ["pwd"], cwd: "/no/such/dir-xyz" }));
    assert.equal(missing.error, "working directory does not exist on the node host: /no/such/dir-xyz");
  });
});

test("system.run: blocked env override → INVALID_REQUEST, nothing runs, no event", async () => {
  await withHarness(FULL, async (h) => {
    const marker = join(h.dir, "ran");
    const outcome = await h.run({ command: ["touch", marker], env: { PATH: "/tmp", LD_PRELOAD: "/x.so" } });
    assert.deepEqual(outcome, {
      ok: false,
      error: { code: "INVALID_REQUEST", message: "SYSTEM_RUN_DENIED: environment override rejected (blocked override keys: LD_PRELOAD, PATH)" },
    });
    const shell = await h.run({ command: ["sh", "-c", "touch " + marker], env: { FOO: "1" } });
    assert.equal(shell.ok, false);
    assert.throws(() => statSync(marker));
    assert.deepEqual(h.events, []);
  });
});

test("system.run: the node host's gateway token is never visible to the child", async () => {
  await withHarness(FULL, async (h) => {
    const all = payloadOf(await h.run({ command: ["printenv"] }));
    assert.equal(all.exitCode, 0);
    assert.ok(String(all.stdout).includes("PATH="), "printenv printed nothing useful");
    assert.equal(String(all.stdout).includes(SECRET), false);
    const one = payloadOf(await h.run({ command: ["printenv", "OPENCLAW_GATEWAY_TOKEN"] }));
    assert.equal(one.exitCode, 1);
    assert.equal(one.stdout, "");
  });
});

test("system.run: timeout kills the grandchild and reports 124", async () => {
  await withHarness(FULL, async (h) => {
    const payload = payloadOf(await h.run({ command: ["sh", "-c", "sleep 30 & echo $!; sleep 30"], timeoutMs: 300 }));
    assert.equal(payload.exitCode, 124);
    assert.equal(payload.timedOut, true);
    assert.equal(payload.success, false);
    const pid = Number(String(payload.stdout).trim());
    assert.ok(pid > 0);
    assert.equal(await waitUntilDead(pid), true, `grandchild ${pid} survived`);
    assert.equal(h.events[0]?.payload.timedOut, true);
    assert.equal(h.events[0]?.payload.exitCode, 124);
  });
});

test("system.run: output cap on stdout only, and on both streams; event output is the last 20 000 chars", async () => {
  await withHarness(FULL, async (h) => {
    const one = payloadOf(await h.run({ command: ["sh", "-c", "yes abcdefghij | head -c 300000; echo ERR >&2; exit 3"] }));
    assert.equal(one.exitCode, 3);
    assert.equal(String(one.stdout).length, 200_016);
    assert.ok(String(one.stdout).endsWith("\n... (truncated)"));
    assert.equal(one.stderr, "ERR\n");
    const output = String(h.events[0]?.payload.output);
    assert.equal(output.length, 20_016);
    assert.ok(output.startsWith("... (truncated) "));
    assert.ok(output.endsWith("ERR"));

    const both = payloadOf(await h.run({ command: ["sh", "-c", "yes a | head -c 300000; yes b | head -c 300000 >&2"] }));
    assert.ok(String(both.stdout).endsWith("a\n\n... (truncated)"));
    assert.ok(String(both.stderr).endsWith("b\n\n... (truncated)"));
    assert.equal(String(both.stderr).length, 200_016);
  });
});

test("system.run: a cancelled invoke sends no exec.finished", async () => {
  await withHarness(FULL, async (h) => {
    setTimeout(() => h.abort.abort(), 200);
    const started = Date.now();
    const outcome = await h.run({ command: ["sleep", "30"] });
    assert.equal(outcome.ok, false);
    assert.ok(Date.now() - started < 5000);
    assert.deepEqual(h.events, []);
  });
});

// ---- policy -------------------------------------------------------------------------------------

async function expectDenied(h: Harness, params: Record<string, unknown>, reason: string, message: string): Promise<void> {
  const outcome = await h.run(params);
  assert.deepEqual(outcome, { ok: false, error: { code: "SYSTEM_RUN_DENIED", message } });
  assert.equal(h.events.length, 1);
  assert.equal(h.events[0]?.event, "exec.denied");
  const payload = h.events[0]?.payload;
  assert.deepEqual(Object.keys(payload ?? {}), ["sessionKey", "runId", "host", "command", "reason", "suppressNotifyOnExit"]);
  assert.equal(payload?.reason, reason);
  assert.equal(payload?.host, "node");
}

test("system.run: no approvals file → approval required", async () => {
  await withHarness(undefined, async (h) => {
    await expectDenied(h, { command: ["uname"], runId: "r9" }, "approval-required", "SYSTEM_RUN_DENIED: approval required");
    assert.equal(h.events[0]?.payload.command, "uname");
    assert.equal(h.events[0]?.payload.runId, "r9");
    assert.throws(() => statSync(h.approvalsPath), "the file must not be created");
  });
});

test("system.run: `approved: true` from the caller is not trusted", async () => {
  await withHarness(undefined, async (h) => {
    // as 2026.9.6 answers: an approval is only accepted with the plan it was given for (approved-run.test.ts)
    const outcome = await h.run({ command: ["uname"], approved: true, approvalDecision: "allow-once" });
    assert.equal(outcome.ok, false);
    assert.equal(!outcome.ok && outcome.error.code, "INVALID_REQUEST");
    assert.match(!outcome.ok ? outcome.error.message : "", /^explicit approval requires matching systemRunPlan/);
    assert.deepEqual(h.events, [], "nothing ran");
  });
});

test("system.run: allowlisted executable runs; bookkeeping lands on the entry", async () => {
  const file = { version: 1, defaults: { security: "allowlist", ask: "on-miss" }, agents: { main: { allowlist: [{ id: "u", pattern: UNAME }] } } };
  await withHarness(file, async (h) => {
    const payload = payloadOf(await h.run({ command: ["uname"] }));
    assert.equal(payload.exitCode, 0);
    assert.ok(String(payload.stdout).length > 0);
    const entry = JSON.parse(readFileSync(h.approvalsPath, "utf8")).agents.main.allowlist[0];
    assert.equal(entry.lastUsedCommand, "uname");
    assert.equal(entry.lastResolvedPath, UNAME);
    assert.equal(typeof entry.lastUsedAt, "number");
  });
});

test("system.run: allowlist miss, per agent, and with ask=off", async () => {
  const file = { version: 1, defaults: { security: "allowlist", ask: "off" }, agents: { main: { allowlist: [{ pattern: UNAME }] } } };
  await withHarness(file, async (h) => {
    await expectDenied(h, { command: ["uname"], agentId: "ops" }, "allowlist-miss", "SYSTEM_RUN_DENIED: allowlist miss");
    h.events.length = 0;
    await expectDenied(h, { command: ["id"] }, "allowlist-miss", "SYSTEM_RUN_DENIED: allowlist miss");
    h.events.length = 0;
    await expectDenied(h, { command: ["sudo", "uname"] }, "allowlist-miss", "SYSTEM_RUN_DENIED: allowlist miss");
  });
});

test("system.run: a shell wrapper is judged by its inner commands; the wrapper alone never satisfies the allowlist", async () => {
  const star = { version: 1, defaults: { security: "allowlist", ask: "on-miss" }, agents: { "*": { allowlist: [{ pattern: "*" }] } } };
  await withHarness(star, async (h) => {
    assert.equal(payloadOf(await h.run({ command: ["sh", "-c", "uname"] })).exitCode, 0, "* covers the inner command");
    assert.equal(payloadOf(await h.run({ command: ["uname"] })).exitCode, 0, "* allows plain commands");
  });
  const shOnly = { version: 1, defaults: { security: "allowlist", ask: "on-miss" }, agents: { main: { allowlist: [{ pattern: "/bin/sh" }, { pattern: "/usr/bin/sh" }] } } };
  await withHarness(shOnly, async (h) => {
    await expectDenied(h, { command: ["sh", "-c", "uname"] }, "approval-required", "SYSTEM_RUN_DENIED: approval required");
  });
  const inner = { version: 1, defaults: { security: "allowlist", ask: "off" }, agents: { main: { allowlist: [{ pattern: UNAME }] } } };
  await withHarness(inner, async (h) => {
    assert.equal(payloadOf(await h.run({ command: ["sh", "-c", "uname && uname -s"] })).exitCode, 0, "every segment allowlisted");
    h.events.length = 0;
    await expectDenied(
      h,
      { command: ["sh", "-c", "uname; id"] },
      "allowlist-miss",
      "SYSTEM_RUN_DENIED: allowlist miss (shell wrappers like sh/bash/zsh -c require approval; approve once/always or run with --ask on-miss|always)",
    );
  });
});

test("system.run: security=deny", async () => {
  await withHarness({ version: 1, defaults: { security: "deny" }, agents: {} }, async (h) => {
    await expectDenied(h, { command: ["echo", "hi"] }, "security=deny", "SYSTEM_RUN_DISABLED: security=deny");
  });
});

test("system.run: screen recording cannot be granted on a headless node", async () => {
  await withHarness(FULL, async (h) => {
    await expectDenied(h, { command: ["echo", "hi"], needsScreenRecording: true }, "permission:screenRecording", "PERMISSION_MISSING: screenRecording");
  });
});

test("system.run: corrupt approvals file → every run denied, file untouched", async () => {
  await withHarness('{"version": 1, "agents": ', async (h) => {
    const before = readFileSync(h.approvalsPath);
    const outcome = await h.run({ command: ["echo", "hi"] });
    assert.equal(outcome.ok, false);
    if (outcome.ok) return;
    assert.equal(outcome.error.code, "SYSTEM_RUN_DENIED");
    assert.ok(outcome.error.message.startsWith("SYSTEM_RUN_DENIED: exec approvals file is invalid: "), outcome.error.message);
    assert.ok(outcome.error.message.includes(h.approvalsPath), outcome.error.message);
    assert.equal(h.events[0]?.event, "exec.denied");
    assert.equal(h.events[0]?.payload.reason, "approvals-invalid");
    assert.deepEqual(readFileSync(h.approvalsPath), before);
  });
});

test("system.run: a /usr/bin/g++ pattern does not break matching", async () => {
  const file = { version: 1, defaults: { security: "allowlist", ask: "off" }, agents: { main: { allowlist: ["/usr/bin/g++", "/opt/foo(/bin/x", UNAME] } } };
  await withHarness(file, async (h) => {
    assert.equal(payloadOf(await h.run({ command: ["uname"] })).exitCode, 0);
  });
});

// ---- system.which -------------------------------------------------------------------------------

test("system.which", async () => {
  await withHarness(undefined, async (h) => {
    assert.deepEqual(await handleSystemWhich(undefined, h.ctx), { ok: false, error: { code: "INVALID_REQUEST", message: "bins required" } });
    assert.deepEqual(await handleSystemWhich({ bins: "sh" }, h.ctx), { ok: false, error: { code: "INVALID_REQUEST", message: "bins required" } });
    assert.deepEqual(await handleSystemWhich({ bins: ["uname", "no-such-binary-xyz"] }, h.ctx), { ok: true, payload: { bins: { uname: UNAME } } });
  });
});

// ---- approvals get/set --------------------------------------------------------------------------

test("system.execApprovals.get/set round trip", async () => {
  await withHarness(undefined, async (h) => {
    const get0 = payloadOf(await handleExecApprovalsGet({}, h.ctx));
    assert.deepEqual(get0, { path: h.approvalsPath, exists: false, hash: sha256Hex(""), file: { version: 1, agents: {} } });

    assert.deepEqual(await handleExecApprovalsSet({ baseHash: get0.hash }, h.ctx), { ok: false, error: { code: "INVALID_REQUEST", message: "exec approvals file required" } });
    assert.deepEqual(await handleExecApprovalsSet(undefined, h.ctx), { ok: false, error: { code: "INVALID_REQUEST", message: "exec approvals file required" } });
    const file = { version: 1, defaults: {}, agents: { main: { allowlist: [{ pattern: "/usr/bin/echo" }] } } };
    assert.deepEqual(await handleExecApprovalsSet({ file }, h.ctx), {
      ok: false,
      error: { code: "INVALID_REQUEST", message: "exec approvals base hash required; reload and retry" },
    });
    assert.deepEqual(await handleExecApprovalsSet({ file, baseHash: "f".repeat(64) }, h.ctx), {
      ok: false,
      error: { code: "INVALID_REQUEST", message: "exec approvals changed; reload and retry" },
    });

    const set1 = payloadOf(await handleExecApprovalsSet({ file, baseHash: get0.hash }, h.ctx));
    assert.equal(set1.exists, true);
    assert.equal(set1.hash, sha256Hex(readFileSync(h.approvalsPath)));
    assert.deepEqual(payloadOf(await handleExecApprovalsGet(undefined, h.ctx)), set1);

    const mtime = statSync(h.approvalsPath).mtimeMs;
    const set2 = payloadOf(await handleExecApprovalsSet({ file: set1.file, baseHash: set1.hash }, h.ctx));
    assert.equal(set2.hash, set1.hash);
    assert.equal(statSync(h.approvalsPath).mtimeMs, mtime, "unchanged content was rewritten");

    const bad = await handleExecApprovalsSet({ file: { version: 1, agents: { main: { allowlist: ["uname"] } } }, baseHash: set2.hash }, h.ctx);
    assert.equal(bad.ok, false);
    if (!bad.ok) assert.match(bad.error.message, /has no path/);
  });
});

test("system.execApprovals.get: token redacted; invalid file is an error naming it", async () => {
  await withHarness({ version: 1, socket: { path: "/s.sock", token: "sock-secret" }, agents: {} }, async (h) => {
    const got = payloadOf(await handleExecApprovalsGet({}, h.ctx));
    assert.deepEqual(got.file, { version: 1, socket: { path: "/s.sock" }, agents: {} });
    assert.equal(JSON.stringify(got).includes("sock-secret"), false);
    const set = payloadOf(await handleExecApprovalsSet({ file: { ...(got.file as object), defaults: { security: "full" } }, baseHash: got.hash }, h.ctx));
    assert.equal(JSON.stringify(set).includes("sock-secret"), false);
    assert.equal(JSON.parse(readFileSync(h.approvalsPath, "utf8")).socket.token, "sock-secret");
  });
  await withHarness("not json", async (h) => {
    const outcome = await handleExecApprovalsGet({}, h.ctx);
    assert.equal(outcome.ok, false);
    if (!outcome.ok) {
      assert.equal(outcome.error.code, "INVALID_REQUEST");
      assert.ok(outcome.error.message.includes(h.approvalsPath));
    }
    assert.equal(readFileSync(h.approvalsPath, "utf8"), "not json");
  });
});
