import { test } from "node:test";
import assert from "node:assert/strict";
import { decideExec, type Ask, type DecisionInput, type Security } from "./decision.js";

type Outcome = "run" | "DISABLED" | "approval" | "miss" | "miss-shell" | "miss-cmd";
type Situation = "hit" | "miss" | "analysis-failed" | "shell-hit" | "shell-miss" | "shell-analysis-failed" | "cmd";

// node-host.md §3.5, not approved. Rows: security + situation; columns: ask off / on-miss / always.
const matrix: [Security, Situation, [Outcome, Outcome, Outcome]][] = [
  ["deny", "hit", ["DISABLED", "DISABLED", "DISABLED"]],
  ["deny", "miss", ["DISABLED", "DISABLED", "DISABLED"]],
  ["deny", "analysis-failed", ["DISABLED", "DISABLED", "DISABLED"]],
  ["deny", "shell-hit", ["DISABLED", "DISABLED", "DISABLED"]],
  ["deny", "shell-miss", ["DISABLED", "DISABLED", "DISABLED"]],
  ["deny", "shell-analysis-failed", ["DISABLED", "DISABLED", "DISABLED"]],
  ["deny", "cmd", ["DISABLED", "DISABLED", "DISABLED"]],
  ["allowlist", "hit", ["run", "run", "approval"]],
  ["allowlist", "miss", ["miss", "approval", "approval"]],
  ["allowlist", "analysis-failed", ["miss", "approval", "approval"]],
  // 2026.9.6: a POSIX shell wrapper whose inner commands are all allowlisted runs
  ["allowlist", "shell-hit", ["run", "run", "approval"]],
  ["allowlist", "shell-miss", ["miss-shell", "approval", "approval"]],
  ["allowlist", "shell-analysis-failed", ["miss-shell", "approval", "approval"]],
  ["allowlist", "cmd", ["miss-cmd", "approval", "approval"]],
  ["full", "hit", ["run", "run", "approval"]],
  ["full", "miss", ["run", "run", "approval"]],
  ["full", "analysis-failed", ["run", "run", "approval"]],
  ["full", "shell-hit", ["run", "run", "approval"]],
  ["full", "shell-miss", ["run", "run", "approval"]],
  ["full", "shell-analysis-failed", ["run", "run", "approval"]],
  ["full", "cmd", ["run", "run", "approval"]],
];
const asks: Ask[] = ["off", "on-miss", "always"];

function input(security: Security, ask: Ask, situation: Situation, approved: boolean): DecisionInput {
  return {
    security,
    ask,
    approved,
    // analysis failing leaves allowlistSatisfied true here: the decision must not trust it alone
    allowlistSatisfied: situation !== "miss" && situation !== "shell-miss" && situation !== "cmd",
    analysisOk: situation !== "analysis-failed" && situation !== "shell-analysis-failed",
    shellWrapper: situation.startsWith("shell") || situation === "cmd",
    windowsShell: situation === "cmd",
  };
}

const expectedDecision = {
  run: { allow: true },
  DISABLED: { allow: false, reason: "security=deny", message: "SYSTEM_RUN_DISABLED: security=deny" },
  approval: { allow: false, reason: "approval-required", message: "SYSTEM_RUN_DENIED: approval required" },
  miss: { allow: false, reason: "allowlist-miss", message: "SYSTEM_RUN_DENIED: allowlist miss" },
  "miss-shell": {
    allow: false,
    reason: "allowlist-miss",
    message:
      "SYSTEM_RUN_DENIED: allowlist miss (shell wrappers like sh/bash/zsh -c require approval; approve once/always or run with --ask on-miss|always)",
  },
  "miss-cmd": {
    allow: false,
    reason: "allowlist-miss",
    message:
      "SYSTEM_RUN_DENIED: allowlist miss (Windows shell wrappers like cmd.exe /c require approval; approve once/always or run with --ask on-miss|always)",
  },
} as const;

for (const [security, situation, row] of matrix) {
  asks.forEach((ask, i) => {
    const outcome = row[i] as Outcome;
    test(`decideExec ${security}/${ask}/${situation} → ${outcome}`, () => {
      assert.deepEqual(decideExec(input(security, ask, situation, false)), expectedDecision[outcome]);
    });
    test(`decideExec ${security}/${ask}/${situation} approved → ${security === "deny" ? "DISABLED" : "run"}`, () => {
      assert.deepEqual(decideExec(input(security, ask, situation, true)), expectedDecision[security === "deny" ? "DISABLED" : "run"]);
    });
  });
}
