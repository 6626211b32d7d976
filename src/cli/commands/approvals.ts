// `openclaw approvals pending|resolve`: answer exec approval requests. Editing approvals files is in
// approvals-files.ts, the audit log in approvals-log.ts.
import { hostname, userInfo } from "node:os";
import { UserError } from "../errors.js";
import { printJson, say, table } from "../output.js";
import { withOperator } from "../rpc.js";
import { resolveTarget } from "../target.js";
import type { CommonFlags } from "./nodes.js";

interface ApprovalView {
  id: string;
  request: {
    nodeId: string;
    nodeName?: string;
    command: string;
    cwd: string | null;
    agentId: string;
    commandArgv: string[];
    allowAlwaysPatterns: string[];
    requestedBy: string;
    askFallback?: string;
  };
  createdAtMs: number;
  expiresAtMs: number;
}

const APPROVALS = ["operator.approvals"];

export async function approvalsPending(flags: CommonFlags): Promise<void> {
  const r = await withOperator(resolveTarget(flags), APPROVALS, (c) => c.call<{ approvals: ApprovalView[] }>("exec.approval.list", {}));
  if (flags.json) return printJson(r);
  if (r.approvals.length === 0) return say("no exec approvals waiting");
  process.stdout.write(
    table(
      ["ID", "NODE", "COMMAND", "CWD", "AGENT", "RESOLVED PATH", "EXPIRES", "ASKED BY"],
      r.approvals.map((a) => [
        a.id,
        a.request.nodeName ?? a.request.nodeId.slice(0, 12),
        a.request.command,
        a.request.cwd ?? "-",
        a.request.agentId,
        a.request.commandArgv[0] ?? "-",
        `in ${Math.max(0, Math.round((a.expiresAtMs - Date.now()) / 1000))} s`,
        a.request.requestedBy,
      ]),
    ),
  );
  say("answer with: openclaw approvals resolve <ID> allow-once|allow-always|deny");
}

export async function approvalsResolve(flags: CommonFlags & { id: string; decision: string }): Promise<void> {
  const decisions = ["allow-once", "allow-always", "deny"];
  if (!decisions.includes(flags.decision)) throw new UserError(`decision must be one of ${decisions.join(", ")}, got "${flags.decision}"`);
  const reviewer = `${userInfo().username}@${hostname()}`;
  const r = await withOperator(resolveTarget(flags), APPROVALS, (c) =>
    c.call<{ ok: boolean; decision: string; allowlistAdded?: string[]; warning?: string }>("exec.approval.resolve", { id: flags.id, decision: flags.decision, reviewer }),
  );
  if (flags.json) return printJson(r);
  say(`${flags.decision}: approval ${flags.id}${r.allowlistAdded?.length ? `; added to the node's allowlist: ${r.allowlistAdded.join(", ")}` : ""}`);
  if (r.warning) say(`warning: ${r.warning}`);
}
