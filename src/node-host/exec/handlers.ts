// The node commands behind system.run, system.which and system.execApprovals.get/set (node-host.md §4,
// §5.1–5.3), as the node host's invoke dispatcher calls them. `params` is the parsed paramsJSON, or
// undefined when it was null.
import { join } from "node:path";
import { APPROVALS_FILE_NAME, readApprovals, setApprovals, snapshotApprovals } from "../../policy/approvals/file.js";
import { appendAudit, summarizeApprovalsDiff } from "../../policy/audit.js";
import { isPlainObject } from "../../policy/approvals/schema.js";
import { INVALID_REQUEST, fail, type CommandContext, type CommandOutcome } from "./context.js";
import { buildChildEnv } from "./env.js";
import { whichAll } from "./which.js";

export { handleSystemRun } from "./system-run.js";
export { handleSystemRunPrepare } from "./prepare.js";
export type { CommandContext, CommandOutcome } from "./context.js";

function approvalsPath(ctx: CommandContext): string {
  return join(ctx.stateDir, APPROVALS_FILE_NAME);
}

function errorOutcome(err: unknown): CommandOutcome {
  const message = err instanceof Error ? err.message : String(err);
  return fail(/timed out/i.test(message) ? "TIMEOUT" : INVALID_REQUEST, message);
}

export async function handleSystemWhich(params: unknown, ctx: CommandContext): Promise<CommandOutcome> {
  const bins = isPlainObject(params) ? params.bins : undefined;
  if (!Array.isArray(bins)) return fail(INVALID_REQUEST, "bins required");
  const env = buildChildEnv(ctx.hostEnv, null, { shellWrapper: false });
  const pathEnv = env.ok ? (env.env.PATH ?? "") : "";
  return { ok: true, payload: { bins: whichAll(bins, pathEnv) } };
}

export async function handleExecApprovalsGet(_params: unknown, ctx: CommandContext): Promise<CommandOutcome> {
  try {
    return { ok: true, payload: snapshotApprovals(approvalsPath(ctx)) };
  } catch (err) {
    return errorOutcome(err);
  }
}

export async function handleExecApprovalsSet(params: unknown, ctx: CommandContext): Promise<CommandOutcome> {
  const file = isPlainObject(params) ? params.file : undefined;
  if (!isPlainObject(file)) return fail(INVALID_REQUEST, "exec approvals file required");
  const baseHash = isPlainObject(params) && typeof params.baseHash === "string" ? params.baseHash : undefined;
  try {
    const before = readApprovals(approvalsPath(ctx));
    const after = setApprovals(approvalsPath(ctx), file, baseHash);
    if (after.hash !== before.hash) {
      const oldFile = before.kind === "ok" ? before.file : undefined;
      appendAudit(ctx.stateDir, { kind: "change", by: "gateway", via: "system.execApprovals.set", oldHash: before.hash, newHash: after.hash, summary: summarizeApprovalsDiff(oldFile, after.file) });
    }
    return { ok: true, payload: after };
  } catch (err) {
    return errorOutcome(err);
  }
}
