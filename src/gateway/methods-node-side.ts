// Methods a node calls: node.invoke.result, node.event, node.invoke.progress.
import { invalidRequest } from "../protocol/errors.js";
import { NodeEventParamsSchema, NodeInvokeProgressParamsSchema, NodeInvokeResultParamsSchema } from "../protocol/methods.js";
import { validate } from "../protocol/validate.js";
import type { MethodDef } from "./context.js";
import { nodeError } from "./invoke-router.js";

const HOST_STATS_KEYS = ["cpuCount", "loadAverage", "memoryTotalBytes", "memoryFreeBytes", "diskTotalBytes", "diskAvailableBytes"];

export const nodeSideMethods: Record<string, MethodDef> = {
  "node.invoke.result": {
    // `payloadJSON: null` / `error: null` are tolerated and a non-string payloadJSON becomes `payload`
    // (protocol.md §7.3), so the params are normalised before validation.
    schema: { type: "object" } as never,
    handler: (ctx, conn, raw) => {
      const params = { ...(raw as Record<string, unknown>) };
      if (params.payloadJSON === null) delete params.payloadJSON;
      if (params.error === null) delete params.error;
      if (params.payloadJSON !== undefined && typeof params.payloadJSON !== "string") {
        params.payload = params.payloadJSON;
        delete params.payloadJSON;
      }
      const v = validate(NodeInvokeResultParamsSchema, params);
      if (!v.ok) throw invalidRequest(`invalid node.invoke.result params: ${v.message}`);
      const p = v.value;
      if (p.nodeId !== conn.session?.deviceId) throw invalidRequest("nodeId mismatch");
      const session = ctx.nodes.get(p.nodeId);
      if (session) session.lastSeenAtMs = Date.now();
      let applied: boolean;
      if (p.ok) {
        let payload: unknown = p.payload;
        if (p.payloadJSON !== undefined) {
          try {
            payload = JSON.parse(p.payloadJSON);
          } catch {
            throw invalidRequest("invalid node.invoke.result params: payloadJSON is not valid JSON");
          }
        }
        applied = ctx.invokes.complete(p.id, p.nodeId, { ok: true, payload, payloadJSON: p.payloadJSON ?? null });
      } else {
        const code = p.error?.code || "UNAVAILABLE";
        const message = p.error?.message || "node invocation failed";
        applied = ctx.invokes.complete(p.id, p.nodeId, { ok: false, error: nodeError(code, message) });
      }
      return applied ? { ok: true } : { ok: true, ignored: true };
    },
  },
  "node.event": {
    schema: NodeEventParamsSchema,
    handler: (ctx, conn, params) => {
      const p = params as { event: string; payload?: unknown; payloadJSON?: string };
      let payload = p.payload;
      if (p.payloadJSON !== undefined) {
        try {
          payload = JSON.parse(p.payloadJSON);
        } catch {
          return { ok: true, event: p.event, handled: false, reason: "invalid_payload" };
        }
      }
      const nodeId = conn.session?.deviceId ?? "";
      const session = ctx.nodes.get(nodeId);
      if (session) session.lastSeenAtMs = Date.now();
      switch (p.event) {
        case "node.host.stats": {
          if (!session || payload === null || typeof payload !== "object") return { ok: true, event: p.event, handled: false, reason: "invalid_payload" };
          const stats: Record<string, unknown> = {};
          for (const k of HOST_STATS_KEYS) if (k in (payload as object)) stats[k] = (payload as Record<string, unknown>)[k];
          session.hostStats = { ...stats, updatedAtMs: Date.now() };
          ctx.broadcast("node.hostStats", { nodeId, hostStats: session.hostStats });
          return { ok: true, event: p.event, handled: true, reason: "updated" };
        }
        case "exec.started":
        case "exec.finished":
        case "exec.denied": {
          const info = payload as { runId?: string; command?: string; reason?: string; exitCode?: number };
          ctx.log.info(
            `node ${nodeId.slice(0, 12)} ${p.event}: ${info?.command ?? "?"}` +
              (p.event === "exec.denied" ? ` (${info?.reason ?? "denied"})` : p.event === "exec.finished" ? ` (exit ${info?.exitCode ?? "?"})` : ""),
          );
          return { ok: true, event: p.event, handled: true, reason: "recorded" };
        }
        case "node.invoke.inflight": {
          // openclaw-lite nodes, right after a reconnect: the invoke ids they still run or hold a result for.
          // Invokes orphaned by the dropped socket that are not listed fail with DISCONNECTED now.
          const ids = (payload as { ids?: unknown } | null)?.ids;
          if (!session || !Array.isArray(ids) || !ids.every((x) => typeof x === "string")) return { ok: true, event: p.event, handled: false, reason: "invalid_payload" };
          ctx.invokes.nodeClaimed(nodeId, ids as string[]);
          return { ok: true, event: p.event, handled: true, reason: "claimed" };
        }
        default:
          return { ok: true, event: p.event, handled: false, reason: "unsupported_event" };
      }
    },
  },
  "node.invoke.progress": {
    schema: NodeInvokeProgressParamsSchema,
    handler: (_ctx, _conn, params) => {
      const p = params as { chunk: string };
      if (Buffer.byteLength(p.chunk, "utf8") > 16384) throw invalidRequest("progress chunk too large");
      return { ok: true, ignored: true };
    },
  },
};
