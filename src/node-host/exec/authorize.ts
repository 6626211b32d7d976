// Puts policy together for one system.run (node-host.md §3.5–3.11): the effective policy, then the
// pure evaluation (policy/approvals/evaluate.ts) with executables resolved on this machine.
import type { Decision } from "../../policy/approvals/decision.js";
import { evaluateExec, type SegmentVerdict } from "../../policy/approvals/evaluate.js";
import { effectivePolicy, type EffectivePolicy } from "../../policy/approvals/policy.js";
import type { ExecApprovalsFile } from "../../policy/approvals/schema.js";
import { resolveExecutable } from "./which.js";

export interface AuthorizeInput {
  argv: readonly string[];
  cwd?: string;
  /** The child's PATH (overrides of PATH are refused, so this is the node host's own). */
  pathEnv: string;
  home: string;
  agentId?: string;
  /** Undefined when there is no approvals file. */
  file: ExecApprovalsFile | undefined;
  /** Replaces the policy derived from `file` (an ask-fallback run caps security). */
  policy?: EffectivePolicy;
  /** An operator approval bound to a verified plan; never the caller's bare `approved` flag. */
  approved?: boolean;
}

export interface Authorization {
  decision: Decision;
  policy: EffectivePolicy;
  shellWrapper: boolean;
  /** Whether shell text (if any) could be analysed; false means a miss whatever the allowlist says. */
  analysisOk: boolean;
  analysisReason?: string;
  /** One verdict per simple command (the argv itself, or each command of a shell wrapper's text). */
  segments: SegmentVerdict[];
  /** Resolved path of the first segment's executable (inside any dispatch wrappers). */
  resolvedPath?: string;
  /** Patterns of the allowlist entries that matched, de-duplicated. */
  matchedPatterns: string[];
  /** Inner executables to persist on allow-always; [] when nothing (or not everything) could be. */
  allowAlwaysPatterns: string[];
}

export function authorizeRun(input: AuthorizeInput): Authorization {
  const policy = input.policy ?? effectivePolicy(input.file, input.agentId);
  const evaluation = evaluateExec({
    argv: input.argv,
    policy,
    home: input.home,
    approved: input.approved === true,
    resolve: (argv0) => resolveExecutable(argv0, { cwd: input.cwd, pathEnv: input.pathEnv, home: input.home }),
  });
  const result: Authorization = {
    decision: evaluation.decision,
    policy,
    shellWrapper: evaluation.shellWrapper,
    analysisOk: evaluation.analysisOk,
    segments: evaluation.segments,
    matchedPatterns: evaluation.matchedPatterns,
    allowAlwaysPatterns: evaluation.allowAlwaysPatterns,
  };
  if (evaluation.analysisReason !== undefined) result.analysisReason = evaluation.analysisReason;
  if (evaluation.resolvedPath !== undefined) result.resolvedPath = evaluation.resolvedPath;
  return result;
}
