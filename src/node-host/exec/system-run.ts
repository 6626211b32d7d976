// system.run (node-host.md §4): validate → command text → child env → approvals → policy → run → event
// → result. Policy denials send exec.denied first; validation errors send no event.
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { SystemRunParamsSchema } from "../../protocol/methods.js";
import { validate } from "../../protocol/validate.js";
import { homeDir } from "../../shared/paths.js";
import { APPROVALS_FILE_NAME, readApprovals } from "../approvals/file.js";
import { recordAllowlistUse } from "../approvals/usage.js";
import { authorizeRun } from "./authorize.js";
import { resolveCommandText, analyzeShellWrapper } from "./command-text.js";
import { INVALID_REQUEST, SYSTEM_RUN_DENIED, fail, type CommandContext, type CommandOutcome } from "./context.js";
import { buildChildEnv } from "./env.js";
import { deniedEventPayload, eventOutput, finishedEventPayload, runResultPayload, type RunIdentity } from "./run-payloads.js";
import { runProcess } from "./run-process.js";
import { resolveExecutable } from "./which.js";

function trimmed(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

// Events are best effort: a failed node.event must not change the outcome of the run.
async function emit(ctx: CommandContext, event: string, payload: unknown): Promise<void> {
  try {
    await ctx.emitEvent(event, payload);
  } catch {
    // ignored, as the reference does
  }
}

async function deny(ctx: CommandContext, id: RunIdentity, reason: string, message: string): Promise<CommandOutcome> {
  await emit(ctx, "exec.denied", deniedEventPayload(id, reason));
  return fail(SYSTEM_RUN_DENIED, message);
}

export async function handleSystemRun(params: unknown, ctx: CommandContext): Promise<CommandOutcome> {
  if (params === undefined || params === null) return fail(INVALID_REQUEST, "paramsJSON required");
  const command = (params as { command?: unknown }).command;
  if (!Array.isArray(command) || command.length === 0) return fail(INVALID_REQUEST, "command required");
  const checked = validate(SystemRunParamsSchema, params);
  if (!checked.ok) return fail(INVALID_REQUEST, `invalid system.run params: ${checked.message}`);
  const p = checked.value;
  const argv = command.map((item) => String(item));
  const text = resolveCommandText(argv, p.rawCommand);
  if (!text.ok) return fail(INVALID_REQUEST, text.message);

  const id: RunIdentity = {
    sessionKey: trimmed(p.sessionKey) ?? "node",
    runId: trimmed(p.runId) ?? randomUUID(),
    command: text.text,
    suppressNotifyOnExit: p.suppressNotifyOnExit === true,
  };
  const cwd = trimmed(p.cwd);
  const agentId = trimmed(p.agentId);

  const env = buildChildEnv(ctx.hostEnv, p.env, { shellWrapper: analyzeShellWrapper(argv) !== null });
  if (!env.ok) return fail(INVALID_REQUEST, env.message);

  const approvalsPath = join(ctx.stateDir, APPROVALS_FILE_NAME);
  const approvals = readApprovals(approvalsPath);
  if (approvals.kind === "invalid") {
    return deny(ctx, id, "approvals-invalid", `SYSTEM_RUN_DENIED: exec approvals file is invalid: ${approvals.message}`);
  }
  const home = homeDir(ctx.hostEnv);
  const pathEnv = env.env.PATH ?? "";
  const auth = authorizeRun({ argv, cwd, pathEnv, home, agentId, file: approvals.kind === "ok" ? approvals.file : undefined });
  if (!auth.decision.allow) return deny(ctx, id, auth.decision.reason, auth.decision.message);
  if (p.needsScreenRecording === true) return deny(ctx, id, "permission:screenRecording", "PERMISSION_MISSING: screenRecording");

  if (auth.policy.security === "allowlist" && auth.matchedPatterns.length > 0) {
    recordAllowlistUse(approvalsPath, { agentId, patterns: auth.matchedPatterns, command: id.command, resolvedPath: auth.resolvedPath });
  }

  const argv0 = argv[0] ?? "";
  const result = await runProcess({
    argv,
    cwd,
    env: env.env,
    timeoutMs: typeof p.timeoutMs === "number" && p.timeoutMs > 0 ? p.timeoutMs : undefined,
    signal: ctx.signal,
    // run exactly the file policy looked at, not whatever a second PATH lookup finds
    executable: resolveExecutable(argv0, { cwd, pathEnv, home }),
  });
  // a cancelled invoke gets no event (the reference sends nothing after node.invoke.cancel)
  if (result.cancelled) return fail("UNAVAILABLE", "system.run cancelled");
  const payload = runResultPayload(result);
  await emit(ctx, "exec.finished", finishedEventPayload(id, payload, eventOutput(result)));
  return { ok: true, payload };
}
