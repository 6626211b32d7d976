// Normal form of the exec-approvals file (node-host.md §3.1–3.2): bare-string allowlist entries become
// `{pattern}`, entries without a pattern are dropped, missing ids are filled, the legacy `default`
// agent is merged into `main`. Never throws; fields of the wrong type are ignored (the shape check in
// schema.ts is what rejects them).
import { randomUUID } from "node:crypto";
import { ASK_VALUES, ENTRY_STRING_FIELDS, SECURITY_VALUES, isPlainObject, ownValue } from "./schema.js";
import type { AgentApprovals, AllowlistEntry, ExecApprovalsFile, PolicyKnobs } from "./schema.js";
import type { Ask, Security } from "./decision.js";

function normalizeKnobs(obj: Record<string, unknown>): PolicyKnobs {
  const out: PolicyKnobs = {};
  if (SECURITY_VALUES.includes(obj.security as Security)) out.security = obj.security as Security;
  if (ASK_VALUES.includes(obj.ask as Ask)) out.ask = obj.ask as Ask;
  if (SECURITY_VALUES.includes(obj.askFallback as Security)) out.askFallback = obj.askFallback as Security;
  if (typeof obj.autoAllowSkills === "boolean") out.autoAllowSkills = obj.autoAllowSkills;
  return out;
}

// One entry, keeping its own key order and appending an id when it has none.
function normalizeEntry(entry: unknown): AllowlistEntry | null {
  if (typeof entry === "string") return entry.trim() === "" ? null : { pattern: entry.trim(), id: randomUUID() };
  if (!isPlainObject(entry) || typeof entry.pattern !== "string" || entry.pattern.trim() === "") return null;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entry)) {
    if (key === "pattern") out.pattern = entry.pattern.trim();
    else if ((ENTRY_STRING_FIELDS as readonly string[]).includes(key) && typeof value === "string") out[key] = value;
    else if (key === "lastUsedAt" && typeof value === "number" && Number.isFinite(value)) out.lastUsedAt = value;
  }
  if (typeof out.id !== "string" || out.id.trim() === "") out.id = randomUUID();
  return out as unknown as AllowlistEntry;
}

function normalizeAgent(agent: unknown): AgentApprovals {
  if (!isPlainObject(agent)) return {};
  const out: AgentApprovals = normalizeKnobs(agent);
  if (Array.isArray(agent.allowlist)) {
    out.allowlist = agent.allowlist.map(normalizeEntry).filter((e): e is AllowlistEntry => e !== null);
  }
  return out;
}

// main's knobs win; allowlists concatenated (main first), de-duplicated by case-folded pattern.
function mergeLegacyDefault(main: AgentApprovals | undefined, legacy: AgentApprovals): AgentApprovals {
  const merged: AgentApprovals = normalizeKnobs({ ...legacy, ...main });
  const seen = new Set<string>();
  const allowlist: AllowlistEntry[] = [];
  for (const entry of [...(main?.allowlist ?? []), ...(legacy.allowlist ?? [])]) {
    const key = entry.pattern.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    allowlist.push(entry);
  }
  if (main?.allowlist !== undefined || legacy.allowlist !== undefined) merged.allowlist = allowlist;
  return merged;
}

export function normalizeApprovals(file: unknown): ExecApprovalsFile {
  const input = isPlainObject(file) ? file : {};
  const out: ExecApprovalsFile = { version: 1, agents: {} };
  if (isPlainObject(input.socket)) {
    const socket: { path?: string; token?: string } = {};
    const path = typeof input.socket.path === "string" ? input.socket.path.trim() : "";
    const token = typeof input.socket.token === "string" ? input.socket.token.trim() : "";
    if (path) socket.path = path;
    if (token) socket.token = token;
    if (path || token) out.socket = socket;
  }
  if (isPlainObject(input.defaults)) out.defaults = normalizeKnobs(input.defaults);
  const agents = new Map<string, AgentApprovals>();
  const rawAgents = isPlainObject(input.agents) ? input.agents : {};
  for (const [id, agent] of Object.entries(rawAgents)) {
    if (id !== "default") agents.set(id, normalizeAgent(agent));
  }
  const legacy = ownValue(rawAgents, "default");
  if (legacy !== undefined) agents.set("main", mergeLegacyDefault(agents.get("main"), normalizeAgent(legacy)));
  out.agents = Object.fromEntries(agents);
  return out;
}
