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
  /** Set while the node's socket is gone: fires DISCONNECTED unless the node comes back and claims the invoke. */
  graceTimer?: NodeJS.Timeout;
  resolve(outcome: InvokeOutcome): void;
}

export interface InvokeRouterOptions {
  /** In-flight invokes per node; one more is refused with UNAVAILABLE (retryable). Default 64. */
  maxConcurrentPerNode?: number;
  /**
   * After an unclean drop of a node's socket, how long its in-flight invokes wait for the node to come
   * back and deliver (or claim) them before the caller gets DISCONNECTED. Default 10 s; 0 = at once.
   */
  reconnectGraceMs?: number;
  /** Told about every result that arrived after its invoke was already answered (e.g. DISCONNECTED). */
  onLateResult?(id: string, nodeId: string, outcome: InvokeOutcome): void;
}

export const DEFAULT_MAX_CONCURRENT_INVOKES = 64;
export const DEFAULT_INVOKE_RECONNECT_GRACE_MS = 10_000;

export function disconnectedError(command: string): ProtocolError {
  return nodeError("DISCONNECTED", `node disconnected (${command})`);
}

export function nodeError(code: string, message: string, extra: Record<string, unknown> = {}): ProtocolError {
  return new ProtocolError(ErrorCodes.UNAVAILABLE, `${code}: ${message}`, {
    details: { nodeError: { code, message }, nodeCommandDispatched: true, ...extra },
  });
}

export class InvokeRouter {
  private readonly pending = new Map<string, PendingInvoke>();
  readonly maxConcurrentPerNode: number;
  readonly reconnectGraceMs: number;

  constructor(private readonly opts: InvokeRouterOptions = {}) {
    this.maxConcurrentPerNode = opts.maxConcurrentPerNode ?? DEFAULT_MAX_CONCURRENT_INVOKES;
    this.reconnectGraceMs = opts.reconnectGraceMs ?? DEFAULT_INVOKE_RECONNECT_GRACE_MS;
  }

  /** In-flight invokes routed to one node. */
  countFor(nodeId: string): number {
    let n = 0;
    for (const e of this.pending.values()) if (e.nodeId === nodeId) n++;
    return n;
  }

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
    if (this.countFor(opts.nodeId) >= this.maxConcurrentPerNode) {
      return Promise.resolve({
        ok: false,
        error: new ProtocolError(ErrorCodes.UNAVAILABLE, `node busy: ${this.maxConcurrentPerNode} invokes already in flight on this node; retry shortly`, {
          retryable: true,
          retryAfterMs: 1000,
          details: { code: "NODE_BUSY", maxConcurrentInvokes: this.maxConcurrentPerNode, nodeCommandDispatched: false },
        }),
      });
    }
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
    if (!entry || entry.nodeId !== nodeId) {
      this.opts.onLateResult?.(id, nodeId, outcome);
      return false;
    }
    this.finish(id, outcome);
    return true;
  }

  private finish(id: string, outcome: InvokeOutcome): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    if (entry.timer) clearTimeout(entry.timer);
    if (entry.graceTimer) clearTimeout(entry.graceTimer);
    entry.resolve(outcome);
  }

  /**
   * The node's socket went away. `clean` (the node said goodbye, 1000/1001): every invoke routed to it
   * fails with DISCONNECTED at once. Otherwise (a dropped or superseded socket) each waits up to the
   * reconnect grace for the node to come back and deliver or claim it, then fails with DISCONNECTED.
   */
  nodeDisconnected(nodeId: string, clean = true): void {
    for (const e of [...this.pending.values()]) {
      if (e.nodeId !== nodeId || e.graceTimer) continue;
      if (clean || this.reconnectGraceMs <= 0) {
        this.finish(e.id, { ok: false, error: disconnectedError(e.command) });
        continue;
      }
      e.graceTimer = setTimeout(() => this.finish(e.id, { ok: false, error: disconnectedError(e.command) }), this.reconnectGraceMs);
      e.graceTimer.unref();
    }
  }

  /**
   * A reconnected node listed the invokes it still runs or holds a result for: those keep waiting
   * (their own deadline applies); every other invoke orphaned by its earlier socket fails now.
   */
  nodeClaimed(nodeId: string, ids: readonly string[]): void {
    const claimed = new Set(ids);
    for (const e of [...this.pending.values()]) {
      if (e.nodeId !== nodeId || !e.graceTimer) continue;
      if (claimed.has(e.id)) {
        clearTimeout(e.graceTimer);
        delete e.graceTimer;
      } else this.finish(e.id, { ok: false, error: disconnectedError(e.command) });
    }
  }

  /** Ids of the invokes of a node that wait for it to come back. */
  orphanedFor(nodeId: string): string[] {
    return [...this.pending.values()].filter((e) => e.nodeId === nodeId && e.graceTimer).map((e) => e.id);
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
