// Operator methods about nodes: node.list / describe / rename / invoke and node.pair.*.
import { ADMIN_INVOKE_COMMANDS, CloseCodes, ErrorCodes } from "../protocol/codes.js";
import { invalidRequest, ProtocolError } from "../protocol/errors.js";
import {
  EmptyParamsSchema,
  NodeIdParamsSchema,
  NodeInvokeParamsSchema,
  NodeRenameParamsSchema,
  RequestIdParamsSchema,
} from "../protocol/methods.js";
import type { Static } from "@sinclair/typebox";
import type { MethodDef, GatewayContext } from "./context.js";
import type { Connection } from "./connection.js";
import { invokeNode, checkInvocable } from "./invoke.js";
import { IdempotencyCache } from "./idempotency.js";
import { bindApprovedRun } from "./methods-exec-approval.js";
import { knownNode, listKnownNodes, nodePairRequests, pairedNodeView, pairedDeviceView } from "./views.js";
import { scopeSatisfied } from "./scopes.js";

function requireScopes(conn: Connection, required: readonly string[]): void {
  const held = conn.session?.scopes ?? [];
  for (const scope of required) {
    if (!scopeSatisfied(held, scope)) {
      throw new ProtocolError(ErrorCodes.FORBIDDEN, `missing scope: ${scope}`, {
        details: { code: "MISSING_SCOPE", missingScope: scope, requiredScopes: [...required] },
      });
    }
  }
}

/** Approves a node pairing request of either kind (device request of a node, or surface change). */
export function approveNodeRequest(ctx: GatewayContext, conn: Connection, requestId: string): { requestId: string; node: Record<string, unknown> } {
  const req = nodePairRequests(ctx.store).find((r) => r.requestId === requestId);
  if (!req) throw invalidRequest("unknown requestId");
  requireScopes(conn, req.requiredApproveScopes as string[]);
  const nodeId = req.nodeId as string;
  if (req.kind === "device") {
    const rec = ctx.store.approve(requestId, "owner");
    if (!rec) throw invalidRequest("unknown requestId");
    ctx.broadcast("device.pair.resolved", { requestId, deviceId: nodeId, decision: "approved", ts: Date.now() });
  } else {
    const rec = ctx.store.paired.get(nodeId)!;
    const p = rec.pendingNodeSurface!;
    const t = Date.now();
    rec.nodeSurface = {
      displayName: p.displayName ?? rec.nodeSurface?.displayName,
      version: p.version,
      caps: [...new Set([...(rec.nodeSurface?.caps ?? []), ...p.caps])].sort(),
      commands: [...new Set([...(rec.nodeSurface?.commands ?? []), ...p.commands])].sort(),
      ...(p.permissions ? { permissions: p.permissions } : {}),
      createdAtMs: rec.nodeSurface?.createdAtMs ?? t,
      approvedAtMs: t,
    };
    delete rec.pendingNodeSurface;
    ctx.store.savePaired();
    ctx.refreshNodeSurface(nodeId);
  }
  const resolved = { requestId, nodeId, decision: "approved", ts: Date.now() };
  ctx.nodes.get(nodeId)?.send("node.pair.resolved", resolved);
  ctx.broadcast("node.pair.resolved", resolved);
  ctx.log.info(`node ${nodeId.slice(0, 12)} approved (request ${requestId})`);
  return { requestId, node: pairedNodeView(ctx.store.paired.get(nodeId)!) };
}

export function rejectNodeRequest(ctx: GatewayContext, requestId: string): { requestId: string; nodeId: string } {
  const req = nodePairRequests(ctx.store).find((r) => r.requestId === requestId);
  if (!req) throw invalidRequest("unknown requestId");
  const nodeId = req.nodeId as string;
  if (req.kind === "device") {
    ctx.store.reject(requestId);
    ctx.broadcast("device.pair.resolved", { requestId, deviceId: nodeId, decision: "rejected", ts: Date.now() });
  } else {
    const rec = ctx.store.paired.get(nodeId)!;
    delete rec.pendingNodeSurface;
    ctx.store.savePaired();
  }
  ctx.broadcast("node.pair.resolved", { requestId, nodeId, decision: "rejected", ts: Date.now() });
  return { requestId, nodeId };
}

export const nodeMethods: Record<string, MethodDef> = {
  "node.list": {
    schema: EmptyParamsSchema,
    handler: (ctx) => ({ ts: Date.now(), nodes: listKnownNodes(ctx.store, ctx.nodes.all()) }),
  },
  "node.describe": {
    schema: NodeIdParamsSchema,
    handler: (ctx, _conn, params) => {
      const { nodeId } = params as Static<typeof NodeIdParamsSchema>;
      const rec = ctx.store.paired.get(nodeId);
      const session = ctx.nodes.get(nodeId);
      if (!session && !(rec && rec.roles.includes("node"))) throw invalidRequest("unknown nodeId");
      return { ts: Date.now(), ...knownNode(rec, session) };
    },
  },
  "node.rename": {
    schema: NodeRenameParamsSchema,
    handler: (ctx, _conn, params) => {
      const { nodeId, displayName } = params as Static<typeof NodeRenameParamsSchema>;
      const name = displayName.trim();
      if (!name) throw invalidRequest("displayName required");
      const rec = ctx.store.paired.get(nodeId);
      if (!rec) throw invalidRequest("unknown nodeId");
      rec.label = name;
      ctx.store.savePaired();
      const session = ctx.nodes.get(nodeId);
      if (session) session.displayName = name;
      return { nodeId, displayName: name };
    },
  },
  "node.invoke": {
    schema: NodeInvokeParamsSchema,
    handler: (ctx, conn, params) => {
      const p = params as Static<typeof NodeInvokeParamsSchema>;
      if (p.command.startsWith("system.execApprovals.")) {
        throw invalidRequest("node.invoke does not allow system.execApprovals.*; use exec.approvals.node.*", { command: p.command });
      }
      if (ADMIN_INVOKE_COMMANDS.has(p.command)) requireScopes(conn, ["operator.write", "operator.admin"]);
      // same caller + node + key + command + params: at most one run (a retry joins it or gets its answer)
      const caller = conn.session?.deviceId ?? `shared:${conn.session?.clientId ?? "?"}`;
      const key = IdempotencyCache.key(caller, p.nodeId, p.idempotencyKey, p.command, p.params);
      return ctx.idempotency.run(key, p.nodeId, p.command, (dispatched) => {
        checkInvocable(ctx, p.nodeId, p.command);
        const bound = p.command === "system.run" ? bindApprovedRun(ctx, p.nodeId, p.params) : p.params;
        return invokeNode(ctx, conn, {
          nodeId: p.nodeId,
          command: p.command,
          params: bound,
          approvalBound: bound !== p.params,
          ...(p.timeoutMs !== undefined ? { timeoutMs: p.timeoutMs } : {}),
          idempotencyKey: p.idempotencyKey,
          ...(p.sessionKey ? { sessionKey: p.sessionKey } : {}),
          onDispatched: dispatched,
        });
      });
    },
  },
  "node.pair.list": {
    schema: EmptyParamsSchema,
    handler: (ctx) => ({
      pending: nodePairRequests(ctx.store),
      paired: [...ctx.store.paired.values()].filter((r) => r.roles.includes("node") && r.nodeSurface).map(pairedNodeView),
    }),
  },
  "node.pair.approve": {
    schema: RequestIdParamsSchema,
    handler: (ctx, conn, params) => approveNodeRequest(ctx, conn, (params as Static<typeof RequestIdParamsSchema>).requestId),
  },
  "node.pair.reject": {
    schema: RequestIdParamsSchema,
    handler: (ctx, _conn, params) => rejectNodeRequest(ctx, (params as Static<typeof RequestIdParamsSchema>).requestId),
  },
  "node.pair.remove": {
    schema: NodeIdParamsSchema,
    handler: (ctx, _conn, params) => {
      const { nodeId } = params as Static<typeof NodeIdParamsSchema>;
      const rec = ctx.store.paired.get(nodeId);
      if (!rec || !rec.roles.includes("node")) throw invalidRequest("unknown nodeId");
      if (rec.roles.length === 1) ctx.store.remove(nodeId);
      else {
        rec.roles = rec.roles.filter((r) => r !== "node");
        delete rec.tokens.node;
        delete rec.nodeSurface;
        delete rec.pendingNodeSurface;
        ctx.store.savePaired();
      }
      ctx.nodes.get(nodeId)?.close(CloseCodes.INVALIDATED, "device removed");
      return { nodeId };
    },
  },
};

export { requireScopes, pairedDeviceView };
