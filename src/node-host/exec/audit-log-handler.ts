// The node command `system.execApprovals.log` (openclaw-lite only): `{sinceMs?, limit?}` → `{entries}`,
// the most recent entries of this node host's audit log (<stateDir>/audit.jsonl), oldest first.
import { readAudit } from "../../policy/audit.js";
import { isPlainObject } from "../../policy/approvals/schema.js";
import { INVALID_REQUEST, fail, type CommandContext, type CommandOutcome } from "./context.js";

export const MAX_AUDIT_ENTRIES = 1000;

export async function handleExecApprovalsLog(params: unknown, ctx: CommandContext): Promise<CommandOutcome> {
  const p = params === undefined || params === null ? {} : params;
  if (!isPlainObject(p)) return fail(INVALID_REQUEST, "params must be an object");
  const { sinceMs, limit } = p;
  if (sinceMs !== undefined && (typeof sinceMs !== "number" || !Number.isFinite(sinceMs) || sinceMs < 0)) {
    return fail(INVALID_REQUEST, "sinceMs must be a non-negative number");
  }
  if (limit !== undefined && (typeof limit !== "number" || !Number.isInteger(limit) || limit < 0)) {
    return fail(INVALID_REQUEST, "limit must be a non-negative integer");
  }
  try {
    const entries = readAudit(ctx.stateDir, {
      ...(sinceMs !== undefined ? { sinceMs } : {}),
      limit: Math.min(limit ?? MAX_AUDIT_ENTRIES, MAX_AUDIT_ENTRIES),
    });
    return { ok: true, payload: { entries } };
  } catch (err) {
    return fail(INVALID_REQUEST, `audit log cannot be read: ${(err as Error).message}`);
  }
}
