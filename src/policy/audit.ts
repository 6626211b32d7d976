// The approvals audit log (issue 3 "Audit"): one JSON object per line in `<stateDir>/audit.jsonl`, mode
// 0600, on the host that made the change or the decision. Writing never throws into the caller; reading
// skips lines it cannot parse (a torn last line after a crash). Secrets never reach the file.
import { appendFileSync, readFileSync } from "node:fs";
import { join } from "node:path";

export const AUDIT_FILE_NAME = "audit.jsonl";

/** A line of the log: `ts` (ISO 8601) first, then `kind` ("change" | "decision") and the rest. */
export interface AuditEntry {
  ts: string;
  kind?: string;
  [key: string]: unknown;
}

// Keys whose values are never written, wherever they appear (socket.token above all).
const SECRET_KEYS = new Set(["token", "password", "secret", "bootstraptoken", "devicetoken", "authtoken"]);

function scrub(value: unknown, depth = 0): unknown {
  if (depth > 16 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (SECRET_KEYS.has(key.toLowerCase())) continue;
    out[key] = scrub(v, depth + 1);
  }
  return out;
}

export function auditPath(stateDir: string): string {
  return join(stateDir, AUDIT_FILE_NAME);
}

/**
 * Appends one line. Returns false (after telling `onError`) when it could not be written; never throws.
 * A `ts` in `entry` is replaced by the time of writing.
 */
export function appendAudit(stateDir: string, entry: Record<string, unknown>, onError?: (message: string) => void): boolean {
  try {
    const { ts: _ignored, ...rest } = scrub(entry) as Record<string, unknown>;
    const line = JSON.stringify({ ts: new Date().toISOString(), ...rest }) + "\n";
    appendFileSync(auditPath(stateDir), line, { mode: 0o600 });
    return true;
  } catch (err) {
    try {
      onError?.(`audit log write failed: ${(err as Error).message}`);
    } catch {
      // the caller's logger failing must not break the caller either
    }
    return false;
  }
}

function entryTimeMs(entry: AuditEntry): number {
  const ts = entry.ts as unknown;
  if (typeof ts === "number") return ts; // lines written before ts became ISO
  return typeof ts === "string" ? Date.parse(ts) : NaN;
}

export interface ReadAuditOptions {
  /** Only entries at or after this time (ms since the epoch). */
  sinceMs?: number;
  /** At most this many entries: the most recent ones. */
  limit?: number;
}

/** Entries in the order written (oldest first). A missing log is empty; unreadable lines are skipped. */
export function readAudit(stateDir: string, opts: ReadAuditOptions = {}): AuditEntry[] {
  let text: string;
  try {
    text = readFileSync(auditPath(stateDir), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const entries: AuditEntry[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      continue;
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) continue;
    const entry = parsed as AuditEntry;
    if (opts.sinceMs !== undefined && !(entryTimeMs(entry) >= opts.sinceMs)) continue;
    entries.push(entry);
  }
  if (opts.limit !== undefined && opts.limit >= 0 && entries.length > opts.limit) return entries.slice(entries.length - opts.limit);
  return entries;
}

export { summarizeApprovalsDiff } from "./approvals/diff.js";
