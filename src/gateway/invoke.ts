// Routing one invoke to a node: checks (known, connected, declared, approved, allowed), the
// `node.invoke.request` event, the deadline with `node.invoke.cancel`, and the answer's shape.
import { randomUUID } from "node:crypto";
import { ErrorCodes, LIMITS } from "../protocol/codes.js";
import { ProtocolError } from "../protocol/errors.js";
import type { Connection } from "./connection.js";
import type { GatewayContext } from "./context.js";
import { commandAllowed } from "./node-surface.js";

/** The only system.run keys forwarded to a node (protocol.md §7.1). `approved`/`approvalDecision` are never forwarded from a caller. */
const SYSTEM_RUN_KEYS = [
  "command",
  "rawCommand",
  "systemRunPlan",
  "cwd",
  "env",
  "timeoutMs",
  "needsScreenRecording",
  "agentId",
  "sessionKey",
  "runId",
  "suppressNotifyOnExit",
];

/** Added only by the gateway itself, for a run bound to a resolved approval (methods-exec-approval.ts). */
const APPROVAL_KEYS = ["approved", "approvalDecision", "approvalSource"];

export function forwardableParams(command: string, params: unknown, approvalBound = false): unknown {
  if (command !== "system.run" || params === null || typeof params !== "object" || Array.isArray(params)) return params;
  const src = params as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of approvalBound ? [...SYSTEM_RUN_KEYS, ...APPROVAL_KEYS] : SYSTEM_RUN_KEYS) if (src[k] !== undefined) out[k] = src[k];
  if (typeof out.runId !== "string" || !out.runId) out.runId = randomUUID();
  return out;
}

export interface InvokeRequest {
  nodeId: string;
  command: string;
  params?: unknown;
  timeoutMs?: number;
  idempotencyKey?: string;
  sessionKey?: string;
  /** The params were produced by bindApprovedRun: keep the approval keys. */
  approvalBound?: boolean;
  /** Told the invoke id once the request went out to the node. */
  onDispatched?(invokeId: string): void;
}

export interface InvokeAnswer {
  ok: true;
  nodeId: string;
  command: string;
  payload: unknown;
  payloadJSON: string | null;
}

/** Gateway-side checks shared by node.invoke and the approvals relay. Throws ProtocolError. */
export function checkInvocable(ctx: GatewayContext, nodeId: string, command: string, label = `"${command}"`): void {
  const session = ctx.nodes.get(nodeId);
  const rec = ctx.store.paired.get(nodeId);
  if (!session && !(rec && rec.roles.includes("node"))) {
    throw new ProtocolError(ErrorCodes.UNAVAILABLE, `unknown node: ${nodeId} is not paired with this gateway (see \`openclaw nodes list\`)`, {
      details: { code: "UNKNOWN_NODE" },
      retryable: false,
    });
  }
  if (!session) {
    throw new ProtocolError(ErrorCodes.UNAVAILABLE, "node not connected", {
      details: { code: "NOT_CONNECTED", nodeError: { code: "NOT_CONNECTED", message: "node not connected" }, nodeCommandDispatched: false },
    });
  }
  const allowed = commandAllowed(command, ctx.commandPolicy);
  if (allowed === "private") throw new ProtocolError(ErrorCodes.INVALID_REQUEST, "node.invoke does not allow private node controls");
  if (!session.declaredCommands.includes(command)) {
    throw new ProtocolError(ErrorCodes.INVALID_REQUEST, `node command not allowed: the node (platform: ${session.platform}) does not support ${label}`, {
      details: { reason: "command not declared by node", command },
    });
  }
  if (allowed === "denied") {
    throw new ProtocolError(ErrorCodes.INVALID_REQUEST, `node command not allowed: ${label} is blocked by gateway.nodes.commands.deny`, {
      details: { reason: "command denied", command },
    });
  }
  if (allowed === "not-allowlisted") {
    throw new ProtocolError(ErrorCodes.INVALID_REQUEST, `node command not allowed: ${label} is not in the allowlist for platform "${session.platform}"`, {
      details: { reason: "command not allowlisted", command },
    });
  }
  if (!session.commands.includes(command)) {
    const pendingId = ctx.store.paired.get(nodeId)?.pendingNodeSurface?.requestId;
    throw new ProtocolError(
      ErrorCodes.INVALID_REQUEST,
      "node command not allowed: the node's declared command surface is pending approval; run `openclaw nodes pending`, then `openclaw nodes approve " +
        (pendingId ?? "<requestId>") +
        "`",
      { details: { reason: "node did not declare commands", command } },
    );
  }
}

export async function invokeNode(ctx: GatewayContext, caller: Connection, req: InvokeRequest): Promise<InvokeAnswer> {
  checkInvocable(ctx, req.nodeId, req.command);
  const session = ctx.nodes.get(req.nodeId)!;
  const timeoutMs = req.timeoutMs ?? LIMITS.defaultInvokeTimeoutMs;
  const params = forwardableParams(req.command, req.params, req.approvalBound === true);
  const started = Date.now();
  const outcome = await ctx.invokes.start({
    nodeId: req.nodeId,
    command: req.command,
    ownerConnId: caller.connId,
    timeoutMs,
    dispatch: (id) => {
      const sent = session.send("node.invoke.request", {
        id,
        nodeId: req.nodeId,
        command: req.command,
        paramsJSON: params === undefined ? null : JSON.stringify(params),
        timeoutMs: timeoutMs === 0 ? 0 : Math.max(1, Math.ceil(timeoutMs - (Date.now() - started))),
        ...(req.idempotencyKey ? { idempotencyKey: req.idempotencyKey } : {}),
        ...(req.sessionKey ? { sessionKey: req.sessionKey } : {}),
      });
      if (sent) req.onDispatched?.(id);
      return sent;
    },
    onTimeout: (id) => {
      ctx.nodes.get(req.nodeId)?.send("node.invoke.cancel", { invokeId: id, nodeId: req.nodeId });
    },
  });
  if (!outcome.ok) throw outcome.error;
  return { ok: true, nodeId: req.nodeId, command: req.command, payload: outcome.payload, payloadJSON: outcome.payloadJSON };
}
