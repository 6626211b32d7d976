// Reading and editing exec-approvals files from the gateway, and reading audit logs (issue 3):
// exec.approvals.get/set (the gateway host's own <stateDir>/exec-approvals.json), exec.approvals.node.get/set
// (relayed to the node's system.execApprovals.get/set), exec.approvals.log (the gateway's audit log,
// or a node's through system.execApprovals.log). Every successful change is audited with who, old → new
// hash and a diff summary.
import { join } from "node:path";
import type { Static } from "@sinclair/typebox";
import { Type } from "../protocol/schema-builder.js";
import { ErrorCodes } from "../protocol/codes.js";
import { invalidRequest, ProtocolError } from "../protocol/errors.js";
import { EmptyParamsSchema, ExecApprovalsNodeGetParamsSchema, ExecApprovalsNodeSetParamsSchema } from "../protocol/methods.js";
import { APPROVALS_FILE_NAME, readApprovals, setApprovals, snapshotApprovals, type ApprovalsSnapshot } from "../policy/approvals/file.js";
import { readAudit, summarizeApprovalsDiff } from "../policy/audit.js";
import type { GatewayContext, MethodDef } from "./context.js";
import type { Connection } from "./connection.js";
import { checkInvocable, invokeNode } from "./invoke.js";
import { actorOf } from "./methods-exec-approval.js";

export const NODE_AUDIT_LOG_COMMAND = "system.execApprovals.log";
const MAX_LOG_ENTRIES = 1000;

const SetParamsSchema = Type.Object(
  { file: Type.Record(Type.String(), Type.Unknown()), baseHash: Type.Optional(Type.String()) },
  { additionalProperties: false },
);
const LogParamsSchema = Type.Object(
  {
    nodeId: Type.Optional(Type.String({ minLength: 1 })),
    sinceMs: Type.Optional(Type.Number({ minimum: 0 })),
    limit: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_LOG_ENTRIES })),
  },
  { additionalProperties: false },
);

function gatewayApprovalsPath(ctx: GatewayContext): string {
  return join(ctx.stateDir, APPROVALS_FILE_NAME);
}

/** file.ts throws plain Errors whose text is the contract (…; reload and retry); they are the caller's fault. */
function asInvalidRequest<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw invalidRequest((err as Error).message);
  }
}

function nodeLabel(ctx: GatewayContext, nodeId: string): Record<string, string> {
  const name = ctx.nodes.get(nodeId)?.displayName;
  return name ? { nodeId, nodeName: name } : { nodeId };
}

async function nodeSnapshot(ctx: GatewayContext, conn: Connection, nodeId: string): Promise<unknown> {
  return (await invokeNode(ctx, conn, { nodeId, command: "system.execApprovals.get", params: {} })).payload;
}

function noRemoteLog(ctx: GatewayContext, nodeId: string): ProtocolError {
  const name = ctx.nodes.get(nodeId)?.displayName ?? nodeId.slice(0, 12);
  return invalidRequest(
    `node ${name} keeps no audit log readable remotely (it does not expose ${NODE_AUDIT_LOG_COMMAND}); read the gateway's log instead (omit the node)`,
    { reason: "no remote audit log", command: NODE_AUDIT_LOG_COMMAND },
  );
}

async function nodeLog(ctx: GatewayContext, conn: Connection, nodeId: string, params: { sinceMs?: number; limit?: number }): Promise<unknown> {
  const session = ctx.nodes.get(nodeId);
  if (session && !session.declaredCommands.includes(NODE_AUDIT_LOG_COMMAND)) throw noRemoteLog(ctx, nodeId);
  checkInvocable(ctx, nodeId, NODE_AUDIT_LOG_COMMAND);
  let payload: unknown;
  try {
    payload = (await invokeNode(ctx, conn, { nodeId, command: NODE_AUDIT_LOG_COMMAND, params })).payload;
  } catch (err) {
    const nodeError = (err as ProtocolError).details as { nodeError?: { message?: string } } | undefined;
    if (nodeError?.nodeError?.message === "command not supported") throw noRemoteLog(ctx, nodeId);
    throw err;
  }
  const entries = (payload as { entries?: unknown } | null)?.entries;
  if (!Array.isArray(entries)) throw new ProtocolError(ErrorCodes.UNAVAILABLE, `the node answered ${NODE_AUDIT_LOG_COMMAND} without entries`);
  return { nodeId, entries };
}

export const approvalsFileMethods: Record<string, MethodDef> = {
  "exec.approvals.get": {
    schema: EmptyParamsSchema,
    handler: (ctx) => asInvalidRequest(() => snapshotApprovals(gatewayApprovalsPath(ctx))),
  },
  "exec.approvals.set": {
    schema: SetParamsSchema,
    handler: (ctx, conn, params) => {
      const { file, baseHash } = params as Static<typeof SetParamsSchema>;
      const path = gatewayApprovalsPath(ctx);
      const before = readApprovals(path);
      const snap = asInvalidRequest(() => setApprovals(path, file, baseHash));
      if (snap.hash !== before.hash) {
        const summary = summarizeApprovalsDiff(before.kind === "ok" ? before.file : undefined, snap.file);
        ctx.audit({ kind: "change", by: actorOf(conn), target: "gateway", path, oldHash: before.hash, newHash: snap.hash, summary });
      }
      return snap;
    },
  },
  "exec.approvals.node.get": {
    schema: ExecApprovalsNodeGetParamsSchema,
    handler: async (ctx, conn, params) => {
      const { nodeId } = params as Static<typeof ExecApprovalsNodeGetParamsSchema>;
      checkInvocable(ctx, nodeId, "system.execApprovals.get", "system.execApprovals.get");
      return nodeSnapshot(ctx, conn, nodeId);
    },
  },
  "exec.approvals.node.set": {
    schema: ExecApprovalsNodeSetParamsSchema,
    handler: async (ctx, conn, params) => {
      const { nodeId, file, baseHash } = params as Static<typeof ExecApprovalsNodeSetParamsSchema>;
      checkInvocable(ctx, nodeId, "system.execApprovals.set", "system.execApprovals.set");
      // The old file, for the audit's diff summary: the snapshot the caller's baseHash names.
      let old: Partial<ApprovalsSnapshot> | undefined;
      try {
        old = (await nodeSnapshot(ctx, conn, nodeId)) as Partial<ApprovalsSnapshot>;
      } catch {
        old = undefined;
      }
      const r = await invokeNode(ctx, conn, { nodeId, command: "system.execApprovals.set", params: baseHash === undefined ? { file } : { file, baseHash } });
      const next = r.payload as Partial<ApprovalsSnapshot> | null;
      const newHash = typeof next?.hash === "string" ? next.hash : null;
      const oldHash = baseHash ?? (typeof old?.hash === "string" ? old.hash : null);
      if (newHash !== oldHash) {
        const summary = old && old.hash === baseHash && next?.file ? summarizeApprovalsDiff(old.file, next.file) : "old file unknown";
        ctx.audit({ kind: "change", by: actorOf(conn), ...nodeLabel(ctx, nodeId), oldHash, newHash, summary });
      }
      return r.payload;
    },
  },
  "exec.approvals.log": {
    schema: LogParamsSchema,
    handler: async (ctx, conn, params) => {
      const { nodeId, sinceMs, limit } = params as Static<typeof LogParamsSchema>;
      const opts = { ...(sinceMs !== undefined ? { sinceMs } : {}), limit: limit ?? MAX_LOG_ENTRIES };
      if (nodeId) return nodeLog(ctx, conn, nodeId, opts);
      try {
        return { entries: readAudit(ctx.stateDir, opts) };
      } catch (err) {
        throw new ProtocolError(ErrorCodes.UNAVAILABLE, `the gateway's audit log cannot be read: ${(err as Error).message}`);
      }
    },
  },
};
