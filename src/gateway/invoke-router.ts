// node.invoke bookkeeping: one entry per in-flight invoke with its own deadline; the answer is
// delivered exactly once (result, timeout, disconnect or shutdown).
import { randomUUID } from "node:crypto";
import { ErrorCodes } from "../protocol/codes.js";
import { ProtocolError } from "../protocol/errors.js";

export interface InvokeOutcomeOk {
  ok: true;
  payload: unknown;
  payloadJSON: string | null;
}
export type InvokeOutcome = InvokeOutcomeOk | { ok: false; error: ProtocolError };

interface PendingInvoke {
  id: string;
  nodeId: string;
  command: string;
  ownerConnId: string;
  startedAt: number;
  timer?: NodeJS.Timeout;
  resolve(outcome: InvokeOutcome): void;
}

export function nodeError(code: string, message: string, extra: Record<string, unknown> = {}): ProtocolError {
  return new ProtocolError(ErrorCodes.UNAVAILABLE, `${code}: ${message}`, {
    details: { nodeError: { code, message }, nodeCommandDispatched: true, ...extra },
  });
}

export class InvokeRouter {
  private readonly pending = new Map<string, PendingInvoke>();

  get size(): number {
    return this.pending.size;
  }

  /**
   * Starts an invoke: `dispatch(id)` sends the request to the node. Resolves with the node's result,
   * or an error on timeout (after calling `onTimeout`), node disconnect or shutdown.
   */
  start(opts: {
    nodeId: string;
    command: string;
    ownerConnId: string;
    timeoutMs: number;
    dispatch(id: string): boolean;
    onTimeout(id: string): void;
  }): Promise<InvokeOutcome> {
    return new Promise<InvokeOutcome>((resolve) => {
      const id = randomUUID();
      const entry: PendingInvoke = { id, nodeId: opts.nodeId, command: opts.command, ownerConnId: opts.ownerConnId, startedAt: Date.now(), resolve };
      this.pending.set(id, entry);
      if (opts.timeoutMs > 0) {
        entry.timer = setTimeout(() => {
          if (!this.pending.has(id)) return;
          opts.onTimeout(id);
          this.finish(id, { ok: false, error: nodeError("TIMEOUT", "node invoke timed out") });
        }, opts.timeoutMs);
      }
      if (!opts.dispatch(id)) {
        this.finish(id, {
          ok: false,
          error: new ProtocolError(ErrorCodes.UNAVAILABLE, "node not connected", {
            details: { code: "NOT_CONNECTED", nodeError: { code: "NOT_CONNECTED", message: "node not connected" }, nodeCommandDispatched: false },
          }),
        });
      }
    });
  }

  /** Applies a node's result. Returns false for an unknown, late or foreign id. */
  complete(id: string, nodeId: string, outcome: InvokeOutcome): boolean {
    const entry = this.pending.get(id);
    if (!entry || entry.nodeId !== nodeId) return false;
    this.finish(id, outcome);
    return true;
  }

  private finish(id: string, outcome: InvokeOutcome): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    if (entry.timer) clearTimeout(entry.timer);
    entry.resolve(outcome);
  }

  /** The node's socket went away: every invoke routed to it fails with DISCONNECTED. */
  nodeDisconnected(nodeId: string): void {
    for (const e of [...this.pending.values()]) {
      if (e.nodeId === nodeId) this.finish(e.id, { ok: false, error: nodeError("DISCONNECTED", `node disconnected (${e.command})`) });
    }
  }

  /** The caller went away: returns the invokes it owned (to cancel on the node) and drops them. */
  ownerDisconnected(connId: string): { id: string; nodeId: string }[] {
    const dropped: { id: string; nodeId: string }[] = [];
    for (const e of [...this.pending.values()]) {
      if (e.ownerConnId === connId) {
        dropped.push({ id: e.id, nodeId: e.nodeId });
        this.finish(e.id, { ok: false, error: new ProtocolError(ErrorCodes.UNAVAILABLE, "caller disconnected") });
      }
    }
    return dropped;
  }

  /** Gateway shutdown: everything in flight gets an answer. */
  shutdown(): void {
    for (const id of [...this.pending.keys()]) {
      this.finish(id, {
        ok: false,
        error: new ProtocolError(ErrorCodes.UNAVAILABLE, "gateway shutting down; retry after it restarts", { retryable: true }),
      });
    }
  }
}
