// system.run.prepare (node-host.md §3.13, 2026.9.6 shape): the canonical plan an operator approves.
// Nothing runs. argv[0] is pinned to the absolute path policy resolved, cwd to its real path, and the
// plan carries the policy it was made under, the env overrides' hash and the hash of the file that
// decides what runs — the approved system.run is checked against all of them (run-plan.ts).
import { effectivePolicy } from "../../policy/approvals/policy.js";
import { resolveCommandText } from "../../policy/shell/command-text.js";
import { authorizeRun } from "./authorize.js";
import { INVALID_REQUEST, fail, type CommandContext, type CommandOutcome } from "./context.js";
import { envHash, hardenCwd, mutableFileOperand, policySnapshot, type RunPlan } from "./run-plan.js";
import { parseRunRequest } from "./run-request.js";
import { resolveExecutable } from "./which.js";

export async function handleSystemRunPrepare(params: unknown, ctx: CommandContext): Promise<CommandOutcome> {
  const parsed = parseRunRequest(params, ctx, "system.run.prepare");
  if (!parsed.ok) return parsed.outcome;
  const req = parsed.req;
  if (req.approvals.kind === "invalid") return fail(INVALID_REQUEST, `SYSTEM_RUN_DENIED: exec approvals file is invalid: ${req.approvals.message}`);
  const file = req.approvals.kind === "ok" ? req.approvals.file : undefined;

  const cwd = hardenCwd(req.cwd);
  if (!cwd.ok) return fail(INVALID_REQUEST, cwd.message);
  const plannedCwd = cwd.cwd ?? undefined;

  const argv0 = req.argv[0] ?? "";
  const executable = resolveExecutable(argv0, { cwd: plannedCwd, pathEnv: req.pathEnv, home: req.home });
  if (executable === undefined) return fail(INVALID_REQUEST, `SYSTEM_RUN_DENIED: approval requires a stable executable path (${argv0} was not found on the node)`);
  const argv = [executable, ...req.argv.slice(1)];
  // the text of the pinned argv (for a shell wrapper it is still the inline script)
  const text = resolveCommandText(argv, undefined);
  if (!text.ok) return fail(INVALID_REQUEST, text.message);

  const policy = effectivePolicy(file, req.policyAgentId);
  const auth = authorizeRun({ argv, cwd: plannedCwd, pathEnv: req.pathEnv, home: req.home, agentId: req.policyAgentId, file, policy });
  const operand = mutableFileOperand(argv, executable, plannedCwd);
  const hash = envHash(req.envOverrides);
  const plan: RunPlan = {
    argv,
    cwd: cwd.cwd,
    commandText: text.text,
    commandPreview: null,
    agentId: req.policyAgentId,
    sessionKey: req.sessionKey ?? null,
    ...(operand ? { mutableFileOperand: operand } : {}),
    policySnapshot: policySnapshot(policy),
    ...(hash ? { envHash: hash } : {}),
  };
  return {
    ok: true,
    payload: {
      plan,
      execPolicy: { security: policy.security, ask: policy.ask },
      allowAlwaysCoverage: {
        // complete: after allow-always, every segment is covered (safe bins need no entry)
        complete: auth.analysisOk && auth.segments.every((seg) => seg.safeBin === true || (seg.resolvedPath !== undefined && auth.allowAlwaysPatterns.includes(seg.resolvedPath))),
        patterns: auth.allowAlwaysPatterns.map((pattern) => ({ pattern })),
      },
    },
  };
}
