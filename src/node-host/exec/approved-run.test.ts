// system.run.prepare and the binding of approved runs to their plan, at the node: a forged or stale
// approval never runs anything (user-asks.md row 10).
import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { serializeApprovals } from "../../policy/approvals/file.js";
import { tempDir } from "../../shared/test-helpers.js";
import { handleSystemRun, handleSystemRunPrepare, type CommandContext, type CommandOutcome } from "./handlers.js";
import type { RunPlan } from "./run-plan.js";
import { whichAll } from "./which.js";

const PATH = process.env.PATH ?? "/usr/bin:/bin";
const UNAME = whichAll(["uname"], PATH).uname!;
const ASK = { version: 1, defaults: { security: "allowlist", ask: "on-miss", askFallback: "deny" }, agents: {} };

interface H {
  ctx: CommandContext;
  dir: string;
  events: string[];
  prepare(params: Record<string, unknown>): Promise<{ plan: RunPlan; allowAlwaysCoverage: { patterns: { pattern: string }[] } }>;
  run(params: Record<string, unknown>): Promise<CommandOutcome>;
  cleanup(): void;
}

function harness(approvals: unknown = ASK): H {
  const { dir, cleanup } = tempDir("approved-run");
  writeFileSync(join(dir, "exec-approvals.json"), serializeApprovals(approvals as never));
  const events: string[] = [];
  const ctx: CommandContext = {
    stateDir: dir,
    hostEnv: { PATH, HOME: dir },
    signal: new AbortController().signal,
    emitEvent: async (event) => void events.push(event),
  };
  return {
    ctx,
    dir,
    events,
    async prepare(params) {
      const out = await handleSystemRunPrepare(params, ctx);
      assert.equal(out.ok, true, JSON.stringify(out));
      return (out as unknown as { payload: never }).payload;
    },
    run: (params) => handleSystemRun(params, ctx),
    cleanup,
  };
}

/** The params our gateway forwards for an approved plan. */
function approvedParams(plan: RunPlan, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    command: plan.argv,
    rawCommand: plan.commandText,
    ...(plan.cwd ? { cwd: plan.cwd } : {}),
    agentId: plan.agentId,
    ...(plan.sessionKey ? { sessionKey: plan.sessionKey } : {}),
    systemRunPlan: plan,
    approved: true,
    approvalDecision: "allow-once",
    ...extra,
  };
}

function errorOf(out: CommandOutcome): string {
  return out.ok ? "ok" : `${out.error.code}: ${out.error.message}`;
}

test("prepare pins argv[0] and cwd, snapshots the policy and hashes the executable", async () => {
  const h = harness();
  try {
    const { plan, allowAlwaysCoverage } = await h.prepare({ command: ["uname", "-s"], cwd: h.dir, sessionKey: "s1" });
    assert.deepEqual(plan.argv, [UNAME, "-s"]);
    assert.equal(plan.commandText, `${UNAME} -s`);
    assert.equal(plan.agentId, "main");
    assert.equal(plan.sessionKey, "s1");
    assert.deepEqual(plan.policySnapshot, { security: "allowlist", ask: "on-miss", askFallback: "deny", autoAllowSkills: false, allowlistRules: [] });
    assert.equal(plan.mutableFileOperand?.argvIndex, 0);
    assert.match(plan.mutableFileOperand?.sha256 ?? "", /^[0-9a-f]{64}$/);
    assert.deepEqual(allowAlwaysCoverage.patterns.map((p) => p.pattern), [UNAME]);
    assert.deepEqual(h.events, [], "prepare runs nothing and sends nothing");
  } finally {
    h.cleanup();
  }
});

test("an approved run carrying its plan runs", async () => {
  const h = harness();
  try {
    const { plan } = await h.prepare({ command: ["uname", "-s"] });
    const out = await h.run(approvedParams(plan));
    assert.equal(out.ok, true, errorOf(out));
    assert.equal((out as { payload: { stdout: string } }).payload.stdout, "Linux\n");
  } finally {
    h.cleanup();
  }
});

test("approval fields without a matching plan are refused, naming the field that differs", async () => {
  const h = harness();
  try {
    const { plan } = await h.prepare({ command: ["uname", "-s"], env: { LANG: "C" } });
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ["no plan at all", { command: ["uname", "-s"], approved: true }, /explicit approval requires matching systemRunPlan/],
      ["approvalDecision alone", { command: ["uname", "-s"], approvalDecision: "allow-always" }, /explicit approval requires matching systemRunPlan/],
      ["other argv", approvedParams(plan, { command: [UNAME, "-a"], rawCommand: `${UNAME} -a` }), /argv differs/],
      ["other cwd", approvedParams(plan, { cwd: h.dir }), /cwd differs/],
      ["other agent", approvedParams(plan, { agentId: "ops" }), /agentId differs/],
      ["other env", approvedParams(plan, { env: { LANG: "C", LC_ALL: "C" } }), /env differs/],
      ["env dropped", approvedParams(plan), /env differs/],
      ["ask-fallback without plan", { command: ["uname", "-s"], approvalSource: "ask-fallback" }, /approvalSource requires matching systemRunPlan/],
      ["both kinds", approvedParams(plan, { approvalSource: "ask-fallback", env: { LANG: "C" } }), /cannot be combined/],
      ["unknown source", { command: ["uname"], approvalSource: "me" }, /approvalSource invalid/],
    ];
    for (const [name, params, expected] of cases) {
      const out = await h.run(params);
      assert.match(errorOf(out), expected, name);
      assert.match(errorOf(out), /^INVALID_REQUEST/, name);
    }
    const ok = await h.run(approvedParams(plan, { env: { LANG: "C" } }));
    assert.equal(ok.ok, true, errorOf(ok));
  } finally {
    h.cleanup();
  }
});

test("a plan goes stale when the policy tightens or the executable changes", async () => {
  const h = harness();
  try {
    const script = join(h.dir, "tool.sh");
    writeFileSync(script, "#!/bin/sh\necho v1\n");
    chmodSync(script, 0o755);
    const { plan } = await h.prepare({ command: [script] });
    writeFileSync(script, "#!/bin/sh\necho pwned\n");
    assert.match(errorOf(await h.run(approvedParams(plan))), /SYSTEM_RUN_DENIED: approval script operand changed before execution/);

    const { plan: plan2 } = await h.prepare({ command: [script] });
    writeFileSync(join(h.dir, "exec-approvals.json"), serializeApprovals({ version: 1, defaults: { security: "allowlist", ask: "always" }, agents: {} } as never));
    assert.match(errorOf(await h.run(approvedParams(plan2))), /SYSTEM_RUN_DENIED: exec approval policy changed; request approval again/);
    assert.ok(h.events.every((e) => e === "exec.denied"));
  } finally {
    h.cleanup();
  }
});

test("an interpreter's script operand is what the plan hashes", async () => {
  const h = harness();
  try {
    const script = join(h.dir, "job.sh");
    writeFileSync(script, "echo one\n");
    const { plan } = await h.prepare({ command: ["sh", script] });
    assert.deepEqual(plan.mutableFileOperand && { i: plan.mutableFileOperand.argvIndex, p: plan.mutableFileOperand.path }, { i: 1, p: script });
    writeFileSync(script, "echo two\n");
    assert.match(errorOf(await h.run(approvedParams(plan))), /operand changed/);
  } finally {
    h.cleanup();
  }
});

test("prepare refuses a cwd that is missing, a file, or a symlink", async () => {
  const h = harness();
  try {
    mkdirSync(join(h.dir, "real"));
    symlinkSync(join(h.dir, "real"), join(h.dir, "link"));
    writeFileSync(join(h.dir, "file"), "");
    for (const [cwd, expected] of [
      [join(h.dir, "missing"), /existing canonical cwd/],
      [join(h.dir, "file"), /cwd to be a directory/],
      [join(h.dir, "link"), /no symlink cwd/],
      [join(h.dir, "link", "."), /no symlink/],
    ] as const) {
      const out = await handleSystemRunPrepare({ command: ["uname"], cwd }, h.ctx);
      assert.match(errorOf(out), expected, cwd);
    }
  } finally {
    h.cleanup();
  }
});

test("ask-fallback: askFallback caps security (never loosens it) and nobody is asked again", async () => {
  for (const [security, ask, askFallback, expected] of [
    ["allowlist", "on-miss", "deny", /approval timed out; askFallback is deny/],
    ["allowlist", "on-miss", "allowlist", /approval timed out; askFallback allowlist: allowlist miss/],
    ["allowlist", "on-miss", "full", /approval timed out; askFallback full \(capped at security allowlist\): allowlist miss/],
    ["full", "always", "deny", /approval timed out; askFallback is deny/],
    ["full", "always", "full", null],
  ] as const) {
    const h = harness({ version: 1, defaults: { security, ask, askFallback }, agents: {} });
    try {
      const { plan } = await h.prepare({ command: ["uname", "-s"] });
      const params = { ...approvedParams(plan), approvalSource: "ask-fallback" } as Record<string, unknown>;
      delete params.approved;
      delete params.approvalDecision;
      const out = await h.run(params);
      const row = `${security}/${ask}/${askFallback}`;
      if (expected === null) assert.equal(out.ok, true, `${row}: ${errorOf(out)}`);
      else assert.match(errorOf(out), expected, row);
    } finally {
      h.cleanup();
    }
  }
});

test("allow-always at the node persists the inner executables and is audited", async () => {
  const h = harness();
  try {
    const { plan } = await h.prepare({ command: ["sh", "-c", "uname -s"] });
    const out = await h.run(approvedParams(plan, { approvalDecision: "allow-always" }));
    assert.equal(out.ok, true, errorOf(out));
    const file = JSON.parse(readFileSync(join(h.dir, "exec-approvals.json"), "utf8")) as { agents: { main: { allowlist: { pattern: string; source: string }[] } } };
    assert.deepEqual(file.agents.main.allowlist.map((e) => [e.pattern, e.source]), [[UNAME, "allow-always"]]);
    const audit = readFileSync(join(h.dir, "audit.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(audit.some((e) => e.kind === "decision" && e.decision === "allowed" && e.approval === "allow-always"));
    assert.ok(audit.some((e) => e.kind === "change" && String(e.summary).includes(`+${UNAME}`)));
    // and now it runs without approval
    assert.equal((await h.run({ command: ["uname", "-s"] })).ok, true);
  } finally {
    h.cleanup();
  }
});
