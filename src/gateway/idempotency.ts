// node.invoke idempotency: a retried call with the same idempotencyKey (same caller, node, command and
// params) runs the command at most once. The retry joins the call in flight or gets its answer; a
// result the node delivered after its caller was already told DISCONNECTED/TIMEOUT replaces that
// error. Refusals before anything reached the node are not kept (a retry runs). Bounded: `maxEntries`
// (oldest dropped first) and `ttlMs` after the answer.
import { createHash } from "node:crypto";
import { ProtocolError } from "../protocol/errors.js";
import type { InvokeAnswer } from "./invoke.js";
import type { InvokeOutcome } from "./invoke-router.js";

type Settled = { ok: true; answer: InvokeAnswer } | { ok: false; error: unknown };
interface Entry {
  invokeId?: string;
  nodeId: string;
  command: string;
  pending?: Promise<InvokeAnswer>;
  settled?: Settled;
  expiresAt: number;
}

export interface IdempotencyOptions {
  maxEntries?: number;
  ttlMs?: number;
  now?: () => number;
}

export class IdempotencyCache {
  private readonly entries = new Map<string, Entry>();
  private readonly byInvokeId = new Map<string, string>();
  readonly maxEntries: number;
  readonly ttlMs: number;
  private readonly now: () => number;

  constructor(opts: IdempotencyOptions = {}) {
    this.maxEntries = opts.maxEntries ?? 1000;
    this.ttlMs = opts.ttlMs ?? 600_000;
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  static key(caller: string, nodeId: string, idempotencyKey: string, command: string, params: unknown): string {
    const h = createHash("sha256").update(JSON.stringify(params ?? null) ?? "null").digest("hex").slice(0, 32);
    return JSON.stringify([caller, nodeId, idempotencyKey, command, h]);
  }

  /**
   * Runs `run` once per key. `run` gets a callback to report the invoke id it dispatched (so a late
   * result can find the entry).
   */
  run(key: string, nodeId: string, command: string, run: (dispatched: (invokeId: string) => void) => Promise<InvokeAnswer>): Promise<InvokeAnswer> {
    this.sweep();
    const hit = this.entries.get(key);
    if (hit) {
      if (hit.pending) return hit.pending;
      if (hit.settled) return hit.settled.ok ? Promise.resolve(hit.settled.answer) : Promise.reject(hit.settled.error);
    }
    const entry: Entry = { nodeId, command, expiresAt: Number.POSITIVE_INFINITY };
    while (this.entries.size >= this.maxEntries) this.dropOldest();
    this.entries.set(key, entry);
    let p: Promise<InvokeAnswer>;
    try {
      p = run((invokeId) => {
        entry.invokeId = invokeId;
        this.byInvokeId.set(invokeId, key);
      });
    } catch (err) {
      this.delete(key);
      throw err;
    }
    entry.pending = p;
    p.then(
      (answer) => this.settle(key, entry, { ok: true, answer }),
      (error: unknown) => this.settle(key, entry, { ok: false, error }),
    );
    return p;
  }

  /** A node.invoke.result for an invoke that was already answered. Returns true when it was kept. */
  lateResult(invokeId: string, nodeId: string, outcome: InvokeOutcome): boolean {
    const key = this.byInvokeId.get(invokeId);
    const entry = key ? this.entries.get(key) : undefined;
    if (!entry || entry.nodeId !== nodeId || !entry.settled || entry.settled.ok) return false;
    const code = ((entry.settled.error as ProtocolError).details as { nodeError?: { code?: string } } | undefined)?.nodeError?.code;
    if (code !== "DISCONNECTED" && code !== "TIMEOUT") return false;
    entry.settled = outcome.ok
      ? { ok: true, answer: { ok: true, nodeId, command: entry.command, payload: outcome.payload, payloadJSON: outcome.payloadJSON } }
      : { ok: false, error: outcome.error };
    entry.expiresAt = this.now() + this.ttlMs;
    return true;
  }

  private settle(key: string, entry: Entry, s: Settled): void {
    delete entry.pending;
    if (this.entries.get(key) !== entry) return;
    const details = (s.ok ? undefined : (s.error as ProtocolError).details) as { nodeCommandDispatched?: boolean } | undefined;
    // refused before the node saw it (unknown/offline node, busy, bad params): a retry may run it
    if (!s.ok && (entry.invokeId === undefined || details?.nodeCommandDispatched === false)) {
      this.delete(key);
      return;
    }
    entry.settled = s;
    entry.expiresAt = this.now() + this.ttlMs;
  }

  private delete(key: string): void {
    const e = this.entries.get(key);
    if (e?.invokeId) this.byInvokeId.delete(e.invokeId);
    this.entries.delete(key);
  }

  private dropOldest(): void {
    // prefer the oldest settled entry; an in-flight one is dropped only when all are in flight
    for (const [k, e] of this.entries) {
      if (e.settled) return this.delete(k);
    }
    const first = this.entries.keys().next();
    if (!first.done) this.delete(first.value);
  }

  sweep(): void {
    const t = this.now();
    for (const [k, e] of this.entries) if (e.settled && e.expiresAt <= t) this.delete(k);
  }
}
