// Puts policy together for one system.run (node-host.md §3.5–3.7): look through dispatch wrappers,
// resolve the executable the command really starts, match it against the allowlist, decide.
import { decideExec, type Decision } from "../approvals/decision.js";
import { compileAllowlistPattern } from "../approvals/glob.js";
import { effectivePolicy, type EffectivePolicy } from "../approvals/policy.js";
import type { ExecApprovalsFile } from "../approvals/schema.js";
import { analyzeShellWrapper } from "./command-text.js";
import { resolveExecutable } from "./which.js";
import { unwrapDispatchWrappers } from "./wrappers.js";

export interface AuthorizeInput {
  argv: readonly string[];
  cwd?: string;
  /** The child's PATH (overrides of PATH are refused, so this is the node host's own). */
  pathEnv: string;
  home: string;
  agentId?: string;
  /** Undefined when there is no approvals file. */
  file: ExecApprovalsFile | undefined;
}

export interface Authorization {
  decision: Decision;
  policy: EffectivePolicy;
  shellWrapper: boolean;
  /** Resolved path of the command policy judged (inside any dispatch wrappers). */
  resolvedPath?: string;
  /** Patterns of the allowlist entries that matched. */
  matchedPatterns: string[];
}

export function authorizeRun(input: AuthorizeInput): Authorization {
  const policy = effectivePolicy(input.file, input.agentId);
  const shellWrapper = analyzeShellWrapper(input.argv) !== null;
  const unwrapped = unwrapDispatchWrappers(input.argv);
  // `env NAME=value cmd` changes what cmd does, and a wrapper that cannot be looked through hides it
  const analysisOk = unwrapped.ok && !unwrapped.envAssignments;
  const target = unwrapped.ok ? unwrapped.argv[0] : undefined;
  const resolvedPath = target === undefined ? undefined : resolveExecutable(target, { cwd: input.cwd, pathEnv: input.pathEnv, home: input.home });

  const matchedPatterns: string[] = [];
  for (const entry of policy.allowlist) {
    const wildcard = entry.pattern.trim() === "*";
    if (wildcard || (resolvedPath !== undefined && compileAllowlistPattern(entry.pattern, input.home)(resolvedPath))) {
      matchedPatterns.push(entry.pattern);
    }
  }
  const decision = decideExec({
    security: policy.security,
    ask: policy.ask,
    allowlistSatisfied: matchedPatterns.length > 0,
    analysisOk,
    shellWrapper,
    approved: false, // `approved` in params is not trusted until runs are bound to a signed plan
  });
  const result: Authorization = { decision, policy, shellWrapper, matchedPatterns };
  if (resolvedPath !== undefined) result.resolvedPath = resolvedPath;
  return result;
}
