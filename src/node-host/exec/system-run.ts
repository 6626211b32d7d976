// system.run (node-host.md §4): validate → command text → child env → approvals → approval binding →
// policy → run → event → result. Policy denials send exec.denied first; validation errors send no event.
// Every policy decision is appended to the node's audit log.
import { randomUUID } from "node:crypto";
import { effectivePolicy, type EffectivePolicy } from "../../policy/approvals/policy.js";
import type { Security } from "../../policy/approvals/decision.js";
import { addAllowlistPatterns, recordAllowlistUse } from "../../policy/approvals/usage.js";
import { appendAudit } from "../../policy/audit.js";
import { authorizeRun } from "./authorize.js";
import { INVALID_REQUEST, SYSTEM_RUN_DENIED, fail, type CommandContext, type CommandOutcome } from "./context.js";
import { deniedEventPayload, eventOutput, finishedEventPayload, runResultPayload, type RunIdentity } from "./run-payloads.js";
import { runProcess } from "./run-process.js";
import { envHash, hardenCwd, operandUnchanged, planMismatch, policySnapshot, samePolicy } from "./run-plan.js";
import { parseRunRequest, trimmed, type RunRequest } from "./run-request.js";
import { resolveExecutable } from "./which.js";

const SECURITY_ORDER: readonly Security[] = ["deny", "allowlist", "full"];
const APPROVAL_DECISIONS = ["allow-once", "allow-always"];

// Events are best effort: a failed node.event must not change the outcome of the run.
async function emit(ctx: CommandContext, event: string, payload: unknown): Promise<void> {
  try {
    await ctx.emitEvent(event, payload);
  } catch {
    // ignored, as the reference does
  }
}

function audit(ctx: CommandContext, req: RunRequest, id: RunIdentity, entry: Record<string, unknown>): void {
  appendAudit(ctx.stateDir, {
    kind: "decision",
    ...entry,
    command: id.command,
    ...(req.cwd ? { cwd: req.cwd } : {}),
    agentId: req.policyAgentId,
    runId: id.runId,
    by: "gateway",
  });
}

async function deny(ctx: CommandContext, req: RunRequest, id: RunIdentity, reason: string, message: string): Promise<CommandOutcome> {
  audit(ctx, req, id, { decision: reason === "approval-required" ? "asked" : "denied", reason });
  await emit(ctx, "exec.denied", deniedEventPayload(id, reason));
  return fail(SYSTEM_RUN_DENIED, message);
}

/** How the request claims to be approved, after checking the fields' values and combination. */
type Approval = { kind: "none" } | { kind: "operator"; decision: string } | { kind: "ask-fallback" } | { kind: "invalid"; message: string };

function approvalOf(req: RunRequest): Approval {
  const p = req.params;
  const decision = typeof p.approvalDecision === "string" && APPROVAL_DECISIONS.includes(p.approvalDecision) ? p.approvalDecision : undefined;
  const explicit = p.approved === true || decision !== undefined;
  const source = p.approvalSource;
  if (source !== undefined && source !== null) {
    if (source !== "ask-fallback" && source !== "auto-review") return { kind: "invalid", message: "approvalSource invalid" };
    if (explicit) return { kind: "invalid", message: "approvalSource cannot be combined with explicit approval" };
    if (source === "auto-review") return { kind: "invalid", message: "approvalSource auto-review is not supported by this node host" };
    return { kind: "ask-fallback" };
  }
  return explicit ? { kind: "operator", decision: decision ?? "allow-once" } : { kind: "none" };
}

/** The policy an ask-fallback run uses: nobody answered, so askFallback caps security and nobody is asked again. */
function fallbackPolicy(policy: EffectivePolicy): EffectivePolicy {
  const capped = SECURITY_ORDER[Math.min(SECURITY_ORDER.indexOf(policy.security), SECURITY_ORDER.indexOf(policy.askFallback))] ?? "deny";
  return { ...policy, security: capped, ask: "off" };
}

export async function handleSystemRun(params: unknown, ctx: CommandContext): Promise<CommandOutcome> {
  const parsed = parseRunRequest(params, ctx);
  if (!parsed.ok) return parsed.outcome;
  const req = parsed.req;
  const p = req.params;
  const id: RunIdentity = {
    sessionKey: req.sessionKey ?? "node",
    runId: trimmed(p.runId) ?? randomUUID(),
    command: req.commandText,
    suppressNotifyOnExit: p.suppressNotifyOnExit === true,
  };
  const approval = approvalOf(req);
  if (approval.kind === "invalid") return fail(INVALID_REQUEST, approval.message);

  if (req.approvals.kind === "invalid") {
    return deny(ctx, req, id, "approvals-invalid", `SYSTEM_RUN_DENIED: exec approvals file is invalid: ${req.approvals.message}`);
  }
  const file = req.approvals.kind === "ok" ? req.approvals.file : undefined;
  let policy = effectivePolicy(file, req.policyAgentId);
  let cwd = req.cwd;

  if (approval.kind !== "none") {
    // An approval is only worth the plan it was given for (run-plan.ts).
    const hardened = hardenCwd(req.cwd);
    if (!hardened.ok) return deny(ctx, req, id, "approval-required", hardened.message);
    cwd = hardened.cwd ?? undefined;
    const label = approval.kind === "operator" ? "explicit approval" : "approvalSource";
    const field = planMismatch(p.systemRunPlan, {
      argv: req.argv,
      commandText: req.commandText,
      cwd: hardened.cwd,
      agentId: req.policyAgentId,
      sessionKey: req.sessionKey ?? null,
      envHash: envHash(req.envOverrides),
    });
    if (field !== null) {
      const why = field === "systemRunPlan" ? "no plan was sent; ask system.run.prepare for one" : `${field} differs from the approved plan`;
      return fail(INVALID_REQUEST, `${label} requires matching systemRunPlan (${why})`);
    }
    if (!samePolicy(p.systemRunPlan, policySnapshot(policy))) {
      return deny(ctx, req, id, "policy-changed", "SYSTEM_RUN_DENIED: exec approval policy changed; request approval again");
    }
    if (!operandUnchanged(p.systemRunPlan)) {
      return deny(ctx, req, id, "operand-changed", "SYSTEM_RUN_DENIED: approval script operand changed before execution");
    }
    if (approval.kind === "ask-fallback") policy = fallbackPolicy(policy);
  }

  const auth = authorizeRun({
    argv: req.argv,
    cwd,
    pathEnv: req.pathEnv,
    home: req.home,
    agentId: req.policyAgentId,
    file,
    policy,
    approved: approval.kind === "operator",
  });
  if (!auth.decision.allow) {
    if (approval.kind === "ask-fallback") {
      const capped = policy.askFallback !== policy.security ? ` (capped at security ${policy.security})` : "";
      const why = policy.security === "deny" ? "askFallback is deny" : `askFallback ${policy.askFallback}${capped}: ${auth.decision.message.replace(/^SYSTEM_RUN_\w+: /, "")}`;
      return deny(ctx, req, id, "ask-fallback", `SYSTEM_RUN_DENIED: approval timed out; ${why}`);
    }
    return deny(ctx, req, id, auth.decision.reason, auth.decision.message);
  }
  if (p.needsScreenRecording === true) return deny(ctx, req, id, "permission:screenRecording", "PERMISSION_MISSING: screenRecording");

  audit(ctx, req, id, {
    decision: "allowed",
    ...(approval.kind === "operator" ? { approval: approval.decision } : approval.kind === "ask-fallback" ? { approval: "ask-fallback" } : {}),
    security: policy.security,
    ...(auth.matchedPatterns.length > 0 ? { matched: auth.matchedPatterns } : {}),
  });
  if (approval.kind === "operator" && approval.decision === "allow-always" && policy.security === "allowlist") {
    // also done by our gateway; a real OpenClaw gateway leaves it to the node (2026.9.6 behaviour)
    const change = addAllowlistPatterns(req.approvalsPath, { agentId: req.policyAgentId, patterns: auth.allowAlwaysPatterns, command: id.command });
    if (change) {
      const summary = `agents.${req.policyAgentId}.allowlist ${change.added.map((pattern) => `+${pattern}`).join(" ")} (allow-always, run ${id.runId})`;
      appendAudit(ctx.stateDir, { kind: "change", by: "gateway", oldHash: change.oldHash, newHash: change.newHash, summary });
    }
  } else if (policy.security === "allowlist" && auth.matchedPatterns.length > 0) {
    recordAllowlistUse(req.approvalsPath, { agentId: req.policyAgentId, patterns: auth.matchedPatterns, command: id.command, resolvedPath: auth.resolvedPath });
  }

  const argv0 = req.argv[0] ?? "";
  const result = await runProcess({
    argv: req.argv,
    cwd,
    env: req.childEnv,
    timeoutMs: typeof p.timeoutMs === "number" && p.timeoutMs > 0 ? p.timeoutMs : undefined,
    signal: ctx.signal,
    // run exactly the file policy looked at, not whatever a second PATH lookup finds
    executable: resolveExecutable(argv0, { cwd, pathEnv: req.pathEnv, home: req.home }),
  });
  // a cancelled invoke gets no event (the reference sends nothing after node.invoke.cancel)
  if (result.cancelled) return fail("UNAVAILABLE", "system.run cancelled");
  const payload = runResultPayload(result);
  await emit(ctx, "exec.finished", finishedEventPayload(id, payload, eventOutput(result)));
  return { ok: true, payload };
}
