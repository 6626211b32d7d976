// `openclaw approvals log [--node X | --local] [--since 24h] [--limit N] [--json]`: the audit log of
// approvals changes and decisions, from the gateway (its own log, or a node's relayed), or with --local
// straight from $OPENCLAW_STATE_DIR/audit.jsonl on this machine.
import { readAudit, type AuditEntry } from "../../policy/audit.js";
import { stateDir } from "../../shared/paths.js";
import { UserError } from "../errors.js";
import { printJson, say, table } from "../output.js";
import { withOperator } from "../rpc.js";
import { resolveTarget } from "../target.js";
import { listNodes, pickNode, type CommonFlags } from "./nodes.js";

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `30m`, `24h`, `7d` (or `90s`) before `now`; an ISO date is taken as is. */
export function parseSince(value: string, now = Date.now()): number {
  const m = /^\s*(\d+)\s*([smhd])\s*$/i.exec(value);
  if (m) return now - Number(m[1]) * UNIT_MS[m[2]!.toLowerCase()]!;
  const t = Date.parse(value);
  if (/^\d{4}-\d\d-\d\d/.test(value.trim()) && Number.isFinite(t)) return t;
  throw new UserError(`--since takes a duration such as 30m, 24h or 7d (or an ISO date), got "${value}"`);
}

function parseLimit(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) throw new UserError(`--limit must be a whole number from 1 to 1000, got "${value}"`);
  return n;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

function short(hash: unknown): string {
  return typeof hash === "string" ? hash.slice(0, 12) : "?";
}

function when(ts: unknown): string {
  const t = typeof ts === "number" ? ts : typeof ts === "string" ? Date.parse(ts) : NaN;
  return Number.isFinite(t) ? new Date(t).toISOString().replace("T", " ").slice(0, 19) + "Z" : "?";
}

/** The WHAT column: where, and what changed or was decided. */
export function describeEntry(e: AuditEntry): string {
  const where = str(e.nodeName) ?? (str(e.nodeId) ? `node ${str(e.nodeId)!.slice(0, 12)}` : undefined) ?? str(e.target) ?? str(e.host) ?? "";
  if (e.kind === "change") {
    const hashes = e.oldHash !== undefined || e.newHash !== undefined ? `${short(e.oldHash)} → ${short(e.newHash)}` : "";
    return [where, hashes, str(e.summary)].filter(Boolean).join(": ");
  }
  const decision = [str(e.decision), str(e.resolution) ?? str(e.reason) ?? str(e.approval)].filter(Boolean).join(" ");
  const cmd = str(e.command) ? `\`${str(e.command)}\`` : "";
  const approval = str(e.approvalId) ? `(approval ${str(e.approvalId)})` : "";
  return [decision, cmd, where ? `on ${where}` : "", approval].filter(Boolean).join(" ");
}

export function renderLog(entries: AuditEntry[]): string {
  return table(
    ["TIME", "KIND", "WHO", "WHAT"],
    entries.map((e) => [when(e.ts), str(e.kind) ?? "?", str(e.by) ?? str(e.resolvedBy) ?? "-", describeEntry(e)]),
  );
}

export async function approvalsLog(flags: CommonFlags & { node?: string; local?: boolean; since?: string; limit?: string }): Promise<void> {
  if (flags.node && flags.local) throw new UserError("--node and --local exclude each other");
  const sinceMs = flags.since !== undefined ? parseSince(flags.since) : undefined;
  const limit = parseLimit(flags.limit);
  const opts = { ...(sinceMs !== undefined ? { sinceMs } : {}), ...(limit !== undefined ? { limit } : {}) };
  let source = "gateway";
  let entries: AuditEntry[];
  if (flags.local) {
    source = "this machine";
    entries = readAudit(stateDir(), opts);
  } else {
    entries = await withOperator(resolveTarget(flags), ["operator.admin", "operator.read"], async (c) => {
      let nodeId: string | undefined;
      if (flags.node) {
        const node = pickNode(await listNodes(c), flags.node);
        nodeId = node.nodeId;
        source = `node ${node.displayName ?? node.nodeId.slice(0, 12)}`;
      }
      return (await c.call<{ entries: AuditEntry[] }>("exec.approvals.log", { ...(nodeId ? { nodeId } : {}), ...opts })).entries;
    });
  }
  if (flags.json) return printJson({ source, entries });
  if (entries.length === 0) return say(`${source}: no audit entries${flags.since ? ` in the last ${flags.since}` : ""}`);
  process.stdout.write(renderLog(entries));
}
