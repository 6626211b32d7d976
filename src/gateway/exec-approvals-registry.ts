// One-shot exec approval requests held by the gateway (protocol.md §7.8): created by
// exec.approval.request, answered by exec.approval.resolve (or expiry), consumed by the approved run.
import { randomUUID } from "node:crypto";

export type ApprovalDecision = "allow-once" | "allow-always" | "deny";
export const APPROVAL_DECISIONS: readonly ApprovalDecision[] = ["allow-once", "allow-always", "deny"];

export interface ApprovalPlan {
  argv: string[];
  cwd: string | null;
  commandText: string;
  agentId: string;
  sessionKey: string;
  policySnapshot?: { security?: string; ask?: string; askFallback?: string };
  [k: string]: unknown;
}

export interface ApprovalRecord {
  id: string;
  nodeId: string;
  nodeName?: string;
  plan: ApprovalPlan;
  /** Env overrides the approved run may carry (bound by the plan's envHash on our node). */
  env?: Record<string, string>;
  rawCommand?: string;
  /** Allowlist patterns allow-always adds on the node (the node's own prepare answer). */
  allowAlwaysPatterns: string[];
  requestedBy: string;
  createdAtMs: number;
  expiresAtMs: number;
  /** undefined while pending; null when it expired unanswered. */
  decision?: ApprovalDecision | null;
  resolvedBy?: string;
  resolvedAtMs?: number;
  consumed?: boolean;
}

export interface DecisionOutcome {
  id: string;
  decision: ApprovalDecision | null;
  resolvedBy?: string;
  createdAtMs: number;
  expiresAtMs: number;
}

export class ApprovalRegistry {
  private readonly records = new Map<string, ApprovalRecord>();
  private readonly waiters = new Map<string, ((o: DecisionOutcome) => void)[]>();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly onExpired: (rec: ApprovalRecord) => void,
    private readonly now: () => number = Date.now,
    /** Resolved records are kept this long so the approved run can still find them. */
    private readonly keepResolvedMs = 10 * 60_000,
  ) {}

  create(input: Omit<ApprovalRecord, "id" | "createdAtMs" | "expiresAtMs"> & { id?: string; timeoutMs: number }): ApprovalRecord {
    const t = this.now();
    const { timeoutMs, id, ...rest } = input;
    const rec: ApprovalRecord = { ...rest, id: id && !this.records.has(id) ? id : randomUUID(), createdAtMs: t, expiresAtMs: t + timeoutMs };
    this.records.set(rec.id, rec);
    // kept referenced: a pending approval is work in progress (shutdown() clears it)
    this.timers.set(rec.id, setTimeout(() => this.expire(rec.id), timeoutMs));
    return rec;
  }

  get(id: string): ApprovalRecord | undefined {
    return this.records.get(id);
  }

  pending(): ApprovalRecord[] {
    return [...this.records.values()].filter((r) => r.decision === undefined).sort((a, b) => a.createdAtMs - b.createdAtMs);
  }

  private outcome(rec: ApprovalRecord): DecisionOutcome {
    const o: DecisionOutcome = { id: rec.id, decision: rec.decision ?? null, createdAtMs: rec.createdAtMs, expiresAtMs: rec.expiresAtMs };
    if (rec.resolvedBy) o.resolvedBy = rec.resolvedBy;
    return o;
  }

  /** Resolves a pending record. Returns "ok", "unknown", or "already" (resolved with another decision). */
  resolve(id: string, decision: ApprovalDecision, by: string): "ok" | "unknown" | "already" {
    const rec = this.records.get(id);
    if (!rec) return "unknown";
    if (rec.decision !== undefined) return rec.decision === decision ? "ok" : "already";
    rec.decision = decision;
    rec.resolvedBy = by;
    rec.resolvedAtMs = this.now();
    this.settle(rec);
    return "ok";
  }

  private expire(id: string): void {
    const rec = this.records.get(id);
    if (!rec || rec.decision !== undefined) return;
    rec.decision = null;
    rec.resolvedAtMs = this.now();
    this.settle(rec);
    this.onExpired(rec);
  }

  private settle(rec: ApprovalRecord): void {
    const timer = this.timers.get(rec.id);
    if (timer) clearTimeout(timer);
    const drop = setTimeout(() => {
      this.records.delete(rec.id);
      this.timers.delete(rec.id);
    }, this.keepResolvedMs);
    drop.unref();
    this.timers.set(rec.id, drop);
    const waiting = this.waiters.get(rec.id) ?? [];
    this.waiters.delete(rec.id);
    for (const w of waiting) w(this.outcome(rec));
  }

  /** Resolves when the record is decided (or expires); immediately if it already is. */
  waitDecision(id: string): Promise<DecisionOutcome> | undefined {
    const rec = this.records.get(id);
    if (!rec) return undefined;
    if (rec.decision !== undefined) return Promise.resolve(this.outcome(rec));
    return new Promise((resolve) => {
      const list = this.waiters.get(id) ?? [];
      list.push(resolve);
      this.waiters.set(id, list);
    });
  }

  /** Expires everything (gateway shutdown). */
  shutdown(): void {
    for (const rec of this.records.values()) if (rec.decision === undefined) this.expire(rec.id);
    for (const t of this.timers.values()) clearTimeout(t);
  }
}
