import { test } from "node:test";
import assert from "node:assert/strict";
import { decideExec, type Ask, type DecisionInput, type Security } from "./decision.js";

type Outcome = "run" | "DISABLED" | "approval" | "miss" | "miss-shell";
type Situation = "hit" | "miss" | "analysis-failed" | "shell";

// node-host.md §3.5, not approved. Rows: security + situation; columns: ask off / on-miss / always.
const matrix: [Security, Situation, [Outcome, Outcome, Outcome]][] = [
  ["deny", "hit", ["DISABLED", "DISABLED", "DISABLED"]],
  ["deny", "miss", ["DISABLED", "DISABLED", "DISABLED"]],
  ["deny", "analysis-failed", ["DISABLED", "DISABLED", "DISABLED"]],
  ["deny", "shell", ["DISABLED", "DISABLED", "DISABLED"]],
  ["allowlist", "hit", ["run", "run", "approval"]],
  ["allowlist", "miss", ["miss", "approval", "approval"]],
  ["allowlist", "analysis-failed", ["miss", "approval", "approval"]],
  ["allowlist", "shell", ["miss-shell", "approval", "approval"]],
  ["full", "hit", ["run", "run", "approval"]],
  ["full", "miss", ["run", "run", "approval"]],
  ["full", "analysis-failed", ["run", "run", "approval"]],
  ["full", "shell", ["run", "run", "approval"]],
];
const asks: Ask[] = ["off", "on-miss", "always"];

function input(security: Security, ask: Ask, situation: Situation, approved: boolean): DecisionInput {
  return {
    security,
    ask,
    approved,
    allowlistSatisfied: situation !== "miss",
    analysisOk: situation !== "analysis-failed",
    // a shell wrapper whose inner command would be allowlisted still counts as a miss
    shellWrapper: situation === "shell",
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
