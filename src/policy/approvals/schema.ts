// The exec-approvals file, version 1 (node-host.md §3.1): types and a shape check whose messages name
// the offending field. A file that fails the check is never used and never rewritten (quirk §12.13).
import type { Ask, Security } from "./decision.js";

export const SECURITY_VALUES: readonly Security[] = ["deny", "allowlist", "full"];
export const ASK_VALUES: readonly Ask[] = ["off", "on-miss", "always"];

export interface AllowlistEntry {
  id?: string;
  pattern: string;
  lastUsedAt?: number;
  lastUsedCommand?: string;
  lastResolvedPath?: string;
  source?: string;
  argPattern?: string;
  commandText?: string;
}

export interface PolicyKnobs {
  security?: Security;
  ask?: Ask;
  askFallback?: Security;
  autoAllowSkills?: boolean;
}

export interface AgentApprovals extends PolicyKnobs {
  allowlist?: AllowlistEntry[];
}

/** The normalised file (bare-string entries converted, legacy `default` agent merged, ids filled). */
export interface ExecApprovalsFile {
  version: 1;
  socket?: { path?: string; token?: string };
  defaults?: PolicyKnobs;
  agents: Record<string, AgentApprovals>;
}

export const ENTRY_STRING_FIELDS = ["id", "pattern", "lastUsedCommand", "lastResolvedPath", "source", "argPattern", "commandText"] as const;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `obj[key]` only when it is an own property (agent ids such as "constructor" must not hit the prototype). */
export function ownValue(obj: Record<string, unknown> | undefined, key: string): unknown {
  return obj !== undefined && Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

function absent(value: unknown): boolean {
  return value === undefined || value === null;
}

function describe(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

// Checks the four knobs of `defaults` or of one agent; `at` is the field path of that object.
function checkKnobs(obj: Record<string, unknown>, at: string): string | null {
  for (const key of ["security", "askFallback"] as const) {
    const value = obj[key];
    if (!absent(value) && !SECURITY_VALUES.includes(value as Security)) {
      return `${at}.${key} must be one of ${SECURITY_VALUES.join(", ")} (found ${describe(value)})`;
    }
  }
  if (!absent(obj.ask) && !ASK_VALUES.includes(obj.ask as Ask)) {
    return `${at}.ask must be one of ${ASK_VALUES.join(", ")} (found ${describe(obj.ask)})`;
  }
  if (!absent(obj.autoAllowSkills) && typeof obj.autoAllowSkills !== "boolean") return `${at}.autoAllowSkills must be a boolean`;
  return null;
}

function checkEntry(entry: unknown, at: string): string | null {
  if (typeof entry === "string") return null;
  if (!isPlainObject(entry)) return `${at} must be a string or an object`;
  for (const key of ENTRY_STRING_FIELDS) {
    if (!absent(entry[key]) && typeof entry[key] !== "string") return `${at}.${key} must be a string`;
  }
  if (!absent(entry.lastUsedAt) && (typeof entry.lastUsedAt !== "number" || !Number.isFinite(entry.lastUsedAt))) {
    return `${at}.lastUsedAt must be a number`;
  }
  return null;
}

function checkAgent(agent: unknown, at: string): string | null {
  if (!isPlainObject(agent)) return `${at} must be an object`;
  const knobs = checkKnobs(agent, at);
  if (knobs) return knobs;
  if (absent(agent.allowlist)) return null;
  if (!Array.isArray(agent.allowlist)) return `${at}.allowlist must be an array`;
  for (let i = 0; i < agent.allowlist.length; i++) {
    const problem = checkEntry(agent.allowlist[i], `${at}.allowlist[${i}]`);
    if (problem) return problem;
  }
  return null;
}

/** The first problem with the file's shape, naming the field; null when the shape is valid. */
export function checkApprovalsShape(value: unknown): string | null {
  if (!isPlainObject(value)) return "the file must hold a JSON object";
  if (value.version !== 1) return `version must be 1 (found ${describe(value.version)})`;
  if (!absent(value.socket)) {
    if (!isPlainObject(value.socket)) return "socket must be an object";
    for (const key of ["path", "token"] as const) {
      if (!absent(value.socket[key]) && typeof value.socket[key] !== "string") return `socket.${key} must be a string`;
    }
  }
  if (!absent(value.defaults)) {
    if (!isPlainObject(value.defaults)) return "defaults must be an object";
    const problem = checkKnobs(value.defaults, "defaults");
    if (problem) return problem;
  }
  if (!absent(value.agents)) {
    if (!isPlainObject(value.agents)) return "agents must be an object";
    for (const [id, agent] of Object.entries(value.agents)) {
      const problem = checkAgent(agent, `agents.${id}`);
      if (problem) return problem;
    }
  }
  return null;
}

function entryPattern(entry: unknown): string {
  if (typeof entry === "string") return entry.trim();
  return isPlainObject(entry) && typeof entry.pattern === "string" ? entry.pattern.trim() : "";
}

/**
 * Patterns a writer may store: `*`, or something with a path (`/`, `\` or a leading `~`). A bare name
 * would never match (patterns are matched against resolved paths), so it is refused with a hint.
 * Expects a file that passed checkApprovalsShape.
 */
export function checkAllowlistPatterns(value: unknown): string | null {
  const agents = isPlainObject(value) && isPlainObject(value.agents) ? value.agents : {};
  for (const [id, agent] of Object.entries(agents)) {
    const list = isPlainObject(agent) && Array.isArray(agent.allowlist) ? agent.allowlist : [];
    for (let i = 0; i < list.length; i++) {
      const pattern = entryPattern(list[i]);
      if (pattern === "" || pattern === "*" || pattern.startsWith("~") || /[\\/]/.test(pattern)) continue;
      return `agents.${id}.allowlist[${i}]: allowlist pattern ${JSON.stringify(pattern)} has no path; use an absolute path such as /usr/bin/${pattern}`;
    }
  }
  return null;
}
