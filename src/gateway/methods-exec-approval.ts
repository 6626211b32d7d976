// The operator approval flow for node exec (issue 3): exec.approval.request (the gateway asks the node
// for its canonical plan), list/get/waitDecision, resolve (allow-always adds the inner executables to
// the node's allowlist through system.execApprovals.set), and the binding of an approved run to its plan.
import type { Static } from "@sinclair/typebox";
import { Type } from "../protocol/schema-builder.js";
import { ErrorCodes } from "../protocol/codes.js";
import { invalidRequest, ProtocolError } from "../protocol/errors.js";
import { NonEmptyString } from "../protocol/frames.js";
import type { Connection } from "./connection.js";
import type { GatewayContext, MethodDef } from "./context.js";
import { APPROVAL_DECISIONS, type ApprovalDecision, type ApprovalPlan, type ApprovalRecord } from "./exec-approvals-registry.js";
import { checkInvocable, invokeNode } from "./invoke.js";
import type { AgentApprovals } from "../policy/approvals/schema.js";
import { mergeAllowAlways } from "../policy/approvals/usage.js";

export const DEFAULT_APPROVAL_TIMEOUT_MS = 120_000;
const MAX_APPROVAL_TIMEOUT_MS = 1_800_000;

const ApprovalRequestSchema = Type.Object(
  {
    id: Type.Optional(NonEmptyString()),
    host: Type.Optional(Type.String()),
    nodeId: Type.Optional(NonEmptyString()),
    command: Type.Optional(Type.String()),
    commandArgv: Type.Optional(Type.Array(Type.String())),
    rawCommand: Type.Optional(Type.String()),
    cwd: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    env: Type.Optional(Type.Record(Type.String(), Type.String())),
    agentId: Type.Optional(Type.String()),
    sessionKey: Type.Optional(Type.String()),
    runId: Type.Optional(Type.String()),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1 })),
    twoPhase: Type.Optional(Type.Boolean()),
    systemRunPlan: Type.Optional(Type.Unknown()),
    security: Type.Optional(Type.String()),
    ask: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

const ResolveSchema = Type.Object(
  { id: NonEmptyString(), decision: Type.String(), reviewer: Type.Optional(Type.String()), grantExpiresInDays: Type.Optional(Type.Number()) },
  { additionalProperties: false },
);
const IdSchema = Type.Object({ id: NonEmptyString(), timeoutMs: Type.Optional(Type.Integer({ minimum: 0 })) }, { additionalProperties: false });

/** Who an operator connection is, for logs and audit entries. */
export function actorOf(conn: Connection): string {
  const s = conn.session;
  const who = s?.displayName ?? s?.clientId ?? "unknown";
  return `${who}${s?.deviceId ? ` (${s.deviceId.slice(0, 12)})` : ""} from ${conn.peer.ip}`;
}

export function approvalView(rec: ApprovalRecord): Record<string, unknown> {
  const v: Record<string, unknown> = {
    id: rec.id,
    request: {
      host: "node",
      nodeId: rec.nodeId,
      ...(rec.nodeName ? { nodeName: rec.nodeName } : {}),
      command: rec.plan.commandText,
      commandArgv: rec.plan.argv,
      cwd: rec.plan.cwd,
      agentId: rec.plan.agentId,
      sessionKey: rec.plan.sessionKey,
      ...(rec.env ? { envKeys: Object.keys(rec.env).sort() } : {}),
      systemRunPlan: rec.plan,
      security: rec.plan.policySnapshot?.security,
      ask: rec.plan.policySnapshot?.ask,
      askFallback: rec.plan.policySnapshot?.askFallback,
      allowedDecisions: rec.allowAlwaysPatterns.length ? ["allow-once", "allow-always", "deny"] : ["allow-once", "deny"],
      allowAlwaysPatterns: rec.allowAlwaysPatterns,
      requestedBy: rec.requestedBy,
    },
    createdAtMs: rec.createdAtMs,
    expiresAtMs: rec.expiresAtMs,
  };
  if (rec.decision !== undefined) {
    v.decision = rec.decision;
    if (rec.resolvedBy) v.resolvedBy = rec.resolvedBy;
    if (rec.resolvedAtMs) v.resolvedAtMs = rec.resolvedAtMs;
  }
  return v;
}

function isPlan(v: unknown): v is ApprovalPlan {
  const p = v as ApprovalPlan;
  return !!p && Array.isArray(p.argv) && typeof p.commandText === "string";
}

/** Adds the approved run's inner executables to the node's allowlist (compare-and-set on its hash). */
async function persistAllowAlways(ctx: GatewayContext, conn: Connection, rec: ApprovalRecord): Promise<{ added: string[] }> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const snap = (await invokeNode(ctx, conn, { nodeId: rec.nodeId, command: "system.execApprovals.get", params: {} })).payload as {
      hash: string;
      file: { agents?: Record<string, AgentApprovals> } & Record<string, unknown>;
    };
    const added = mergeAllowAlways(snap.file, { agentId: rec.plan.agentId, patterns: rec.allowAlwaysPatterns, command: rec.plan.commandText });
    if (added.length === 0) return { added };
    try {
      const after = (await invokeNode(ctx, conn, { nodeId: rec.nodeId, command: "system.execApprovals.set", params: { file: snap.file, baseHash: snap.hash } })).payload as { hash?: unknown };
      const newHash = typeof after?.hash === "string" ? after.hash : undefined;
      ctx.audit({ kind: "change", by: actorOf(conn), nodeId: rec.nodeId, oldHash: snap.hash, ...(newHash ? { newHash } : {}), summary: `agents.${rec.plan.agentId}.allowlist ${added.map((p) => `+${p}`).join(" ")} (allow-always ${rec.id})` });
      return { added };
    } catch (err) {
      if (attempt === 0 && /changed; reload and retry/.test((err as Error).message)) continue;
      throw err;
    }
  }
  return { added: [] };
}

export const execApprovalMethods: Record<string, MethodDef> = {
  "exec.approval.request": {
    schema: ApprovalRequestSchema,
    handler: async (ctx, conn, params, reqId) => {
      const p = params as Static<typeof ApprovalRequestSchema>;
      if (p.host !== undefined && p.host !== "node") throw invalidRequest('only host "node" approvals are supported by this gateway');
      if (!p.nodeId) throw invalidRequest("nodeId required for host=node approvals");
      const argv = p.commandArgv ?? (isPlan(p.systemRunPlan) ? p.systemRunPlan.argv : undefined);
      if (!argv || argv.length === 0) throw invalidRequest("commandArgv required for host=node approvals");
      checkInvocable(ctx, p.nodeId, "system.run");
      try {
        checkInvocable(ctx, p.nodeId, "system.run.prepare");
      } catch {
        throw invalidRequest("this node cannot bind an approval to a plan (it does not expose system.run.prepare); allowlist the command on the node instead");
      }
      // The plan comes from the node itself, never from the requester.
      const prep = (
        await invokeNode(ctx, conn, {
          nodeId: p.nodeId,
          command: "system.run.prepare",
          params: {
            command: argv,
            ...(p.rawCommand ? { rawCommand: p.rawCommand } : {}),
            ...(p.cwd ? { cwd: p.cwd } : {}),
            ...(p.agentId ? { agentId: p.agentId } : {}),
            ...(p.sessionKey ? { sessionKey: p.sessionKey } : {}),
            ...(p.env ? { env: p.env } : {}),
          },
        })
      ).payload as { plan?: unknown; allowAlwaysCoverage?: { patterns?: { pattern?: unknown }[] } };
      if (!isPlan(prep.plan)) throw new ProtocolError(ErrorCodes.UNAVAILABLE, "the node answered system.run.prepare without a usable plan");
      const timeoutMs = Math.min(p.timeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS, MAX_APPROVAL_TIMEOUT_MS);
      const session = ctx.nodes.get(p.nodeId);
      const rec = ctx.approvals.create({
        ...(p.id ? { id: p.id } : {}),
        nodeId: p.nodeId,
        ...(session?.displayName ? { nodeName: session.displayName } : {}),
        plan: prep.plan,
        ...(p.env ? { env: p.env } : {}),
        ...(p.rawCommand ? { rawCommand: p.rawCommand } : {}),
        allowAlwaysPatterns: (prep.allowAlwaysCoverage?.patterns ?? []).map((x) => x.pattern).filter((x): x is string => typeof x === "string"),
        requestedBy: actorOf(conn),
        timeoutMs,
      });
      const view = approvalView(rec);
      ctx.broadcast("exec.approval.requested", view);
      ctx.audit({ kind: "decision", decision: "asked", approvalId: rec.id, nodeId: rec.nodeId, command: rec.plan.commandText, cwd: rec.plan.cwd, agentId: rec.plan.agentId, by: rec.requestedBy });
      ctx.log.info(`exec approval ${rec.id}: ${rec.requestedBy} asks to run \`${rec.plan.commandText}\` on ${rec.nodeName ?? rec.nodeId.slice(0, 12)}; answer with: openclaw approvals resolve ${rec.id} allow-once|allow-always|deny`);
      if (p.twoPhase) conn.respond(reqId, true, { status: "accepted", id: rec.id, createdAtMs: rec.createdAtMs, expiresAtMs: rec.expiresAtMs, request: view.request });
      return ctx.approvals.waitDecision(rec.id)!;
    },
  },
  "exec.approval.resolve": {
    schema: ResolveSchema,
    handler: async (ctx, conn, params) => {
      const p = params as Static<typeof ResolveSchema>;
      if (!APPROVAL_DECISIONS.includes(p.decision as ApprovalDecision)) throw invalidRequest("invalid decision");
      const decision = p.decision as ApprovalDecision;
      const rec = ctx.approvals.get(p.id);
      if (!rec) throw new ProtocolError(ErrorCodes.APPROVAL_NOT_FOUND, "unknown or expired approval id", { details: { code: "UNKNOWN_APPROVAL_ID" } });
      if (rec.decision !== undefined && rec.decision !== decision) {
        throw invalidRequest(rec.decision === null ? "approval expired" : "approval already resolved", { reason: "APPROVAL_ALREADY_RESOLVED", decision: rec.decision });
      }
      if (decision === "allow-always" && rec.allowAlwaysPatterns.length === 0) throw invalidRequest("allow-always is unavailable for this command");
      const by = p.reviewer?.trim() ? `${p.reviewer.trim()} via ${actorOf(conn)}` : actorOf(conn);
      let persisted: { added: string[] } | undefined;
      let warning: string | undefined;
      if (decision === "allow-always" && rec.decision === undefined) {
        try {
          persisted = await persistAllowAlways(ctx, conn, rec);
        } catch (err) {
          warning = `the node's allowlist was not updated (${(err as Error).message}); this run is approved once`;
          ctx.log.warn(`approval ${rec.id}: ${warning}`);
        }
      }
      const r = ctx.approvals.resolve(rec.id, decision, by);
      if (r === "unknown") throw new ProtocolError(ErrorCodes.APPROVAL_NOT_FOUND, "unknown or expired approval id", { details: { code: "UNKNOWN_APPROVAL_ID" } });
      ctx.broadcast("exec.approval.resolved", { id: rec.id, decision, resolvedBy: by, ts: Date.now(), request: approvalView(rec).request });
      ctx.audit({ kind: "decision", decision: "resolved", resolution: decision, approvalId: rec.id, nodeId: rec.nodeId, command: rec.plan.commandText, by, ...(persisted ? { allowlistAdded: persisted.added } : {}) });
      ctx.log.info(`exec approval ${rec.id} ${decision} by ${by}`);
      return { ok: true, id: rec.id, decision, ...(persisted ? { allowlistAdded: persisted.added } : {}), ...(warning ? { warning } : {}) };
    },
  },
  "exec.approval.list": {
    schema: Type.Object({}, { additionalProperties: true }),
    handler: (ctx) => ({ approvals: ctx.approvals.pending().map(approvalView) }),
  },
  "exec.approval.get": {
    schema: IdSchema,
    handler: (ctx, _conn, params) => {
      const rec = ctx.approvals.get((params as { id: string }).id);
      if (!rec) throw new ProtocolError(ErrorCodes.APPROVAL_NOT_FOUND, "unknown or expired approval id", { details: { code: "UNKNOWN_APPROVAL_ID" } });
      return approvalView(rec);
    },
  },
  "exec.approval.waitDecision": {
    schema: IdSchema,
    handler: async (ctx, _conn, params) => {
      const wait = ctx.approvals.waitDecision((params as { id: string }).id);
      if (!wait) throw new ProtocolError(ErrorCodes.APPROVAL_NOT_FOUND, "unknown or expired approval id", { details: { code: "UNKNOWN_APPROVAL_ID" } });
      return wait;
    },
  },
};

/**
 * system.run params for a run that names an approval (runId = approval id): the approved plan's
 * values replace the caller's, plus `approved`/`approvalDecision` (or `approvalSource:"ask-fallback"`
 * when nobody answered). A caller's own `approved` flag without a usable approval is refused.
 */
export function bindApprovedRun(ctx: GatewayContext, nodeId: string, params: unknown): unknown {
  if (params === null || typeof params !== "object" || Array.isArray(params)) return params;
  const src = params as Record<string, unknown>;
  const runId = typeof src.runId === "string" ? src.runId : undefined;
  const rec = runId ? ctx.approvals.get(runId) : undefined;
  const explicit = src.approved !== undefined || src.approvalDecision !== undefined || src.approvalSource !== undefined;
  if (!rec) {
    if (explicit) throw invalidRequest("unknown or expired approval id", { code: "UNKNOWN_APPROVAL_ID", runId: runId ?? null });
    return params;
  }
  if (rec.nodeId !== nodeId) throw invalidRequest("the approval is for another node", { code: "APPROVAL_NODE_MISMATCH", runId });
  if (rec.decision === undefined) throw invalidRequest("the approval is still pending", { code: "APPROVAL_PENDING", runId });
  if (rec.decision === "deny") throw invalidRequest(`the approval was denied by ${rec.resolvedBy ?? "an operator"}`, { code: "APPROVAL_DENIED", runId });
  if (rec.consumed) throw invalidRequest("the approval was already used", { code: "APPROVAL_CONSUMED", runId });
  rec.consumed = true;
  const plan = rec.plan;
  const out: Record<string, unknown> = {
    command: plan.argv,
    // the plan's text is what the node computes for plan.argv (argv[0] is pinned to an absolute path)
    rawCommand: plan.commandText,
    ...(plan.cwd ? { cwd: plan.cwd } : {}),
    ...(rec.env ? { env: rec.env } : {}),
    agentId: plan.agentId,
    sessionKey: plan.sessionKey,
    runId: rec.id,
    systemRunPlan: plan,
    ...(typeof src.timeoutMs === "number" ? { timeoutMs: src.timeoutMs } : {}),
  };
  if (rec.decision === null) out.approvalSource = "ask-fallback";
  else Object.assign(out, { approved: true, approvalDecision: rec.decision });
  return out;
}

