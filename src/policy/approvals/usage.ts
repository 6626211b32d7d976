// Allowlist usage bookkeeping (node-host.md §3.11): after a run is allowed by allowlist entries, the
// entries in the agent's own list get lastUsedAt / lastUsedCommand / lastResolvedPath. Entries inherited
// from agents["*"] are not touched. Only an existing, valid file is written, and only when it changes.
import { createHash, randomUUID } from "node:crypto";
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

export interface AllowAlwaysAdd {
  agentId: string;
  /** Absolute paths of the inner executables (never a shell or a dispatch wrapper). */
  patterns: readonly string[];
  command: string;
  now?: number;
}

/**
 * "Allow always" (node-host.md §3.11), on a file in memory: appends `{id, pattern, source:"allow-always",
 * lastUsedAt, lastUsedCommand}` for each pattern the agent's own list does not hold yet (compared
 * case-insensitively) and returns the patterns added. Never for the `*` agent. Used by the node on its
 * own file and by the gateway on the snapshot it writes back through system.execApprovals.set.
 */
export function mergeAllowAlways(file: { agents?: Record<string, AgentApprovals> }, add: AllowAlwaysAdd): string[] {
  if (add.patterns.length === 0 || add.agentId === "*") return [];
  const agents = (file.agents ??= {});
  const agent: AgentApprovals = (ownValue(agents, add.agentId) as AgentApprovals | undefined) ?? {};
  const list = (agent.allowlist ??= []);
  const have = new Set(list.map((e) => e.pattern.trim().toLowerCase()));
  const now = add.now ?? Date.now();
  const added: string[] = [];
  for (const pattern of add.patterns) {
    if (have.has(pattern.toLowerCase())) continue;
    have.add(pattern.toLowerCase());
    list.push({ id: randomUUID(), pattern, source: "allow-always", lastUsedAt: now, lastUsedCommand: add.command });
    added.push(pattern);
  }
  // defineProperty: an agent id such as "__proto__" stays an ordinary own key
  if (added.length > 0) Object.defineProperty(agents, add.agentId, { value: agent, enumerable: true, writable: true, configurable: true });
  return added;
}

/**
 * mergeAllowAlways on the file at `path`: a missing file is created; an invalid one is left alone.
 * Returns what was added and the hashes, or undefined when nothing was written. Never throws.
 */
export function addAllowlistPatterns(path: string, add: AllowAlwaysAdd): { added: string[]; oldHash: string; newHash: string } | undefined {
  try {
    const read = readApprovals(path);
    if (read.kind === "invalid") return undefined;
    const file = read.kind === "ok" ? read.file : { version: 1 as const, agents: {} };
    const added = mergeAllowAlways(file, add);
    if (added.length === 0) return undefined;
    const text = serializeApprovals(file);
    writeFileAtomic(path, text, 0o600);
    return { added, oldHash: read.hash, newHash: createHash("sha256").update(text).digest("hex") };
  } catch {
    return undefined;
  }
}
