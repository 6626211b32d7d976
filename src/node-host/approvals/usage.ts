// Allowlist usage bookkeeping (node-host.md §3.11): after a run is allowed by allowlist entries, the
// entries in the agent's own list get lastUsedAt / lastUsedCommand / lastResolvedPath. Entries inherited
// from agents["*"] are not touched. Only an existing, valid file is written, and only when it changes.
import { writeFileAtomic } from "../../shared/fs-atomic.js";
import { readApprovals, serializeApprovals } from "./file.js";
import { resolveAgentId } from "./policy.js";
import { ownValue, type AgentApprovals } from "./schema.js";

export interface AllowlistUse {
  agentId?: string;
  /** Patterns of the entries that matched (compared trimmed and case-insensitively). */
  patterns: readonly string[];
  command: string;
  resolvedPath?: string;
  now?: number;
}

/** Returns true when the file was rewritten. Never throws (bookkeeping must not fail a run). */
export function recordAllowlistUse(path: string, use: AllowlistUse): boolean {
  try {
    if (use.patterns.length === 0) return false;
    const read = readApprovals(path);
    if (read.kind !== "ok") return false;
    const agentId = resolveAgentId(use.agentId);
    const agent = ownValue(read.file.agents, agentId) as AgentApprovals | undefined;
    if (agentId === "*" || !agent?.allowlist) return false;
    const wanted = new Set(use.patterns.map((p) => p.trim().toLowerCase()));
    const now = use.now ?? Date.now();
    let touched = false;
    for (const entry of agent.allowlist) {
      if (!wanted.has(entry.pattern.toLowerCase())) continue;
      entry.lastUsedAt = now;
      entry.lastUsedCommand = use.command;
      if (use.resolvedPath !== undefined) entry.lastResolvedPath = use.resolvedPath;
      touched = true;
    }
    if (!touched) return false;
    const text = serializeApprovals(read.file);
    if (text === read.raw) return false;
    writeFileAtomic(path, text, 0o600);
    return true;
  } catch {
    return false;
  }
}
