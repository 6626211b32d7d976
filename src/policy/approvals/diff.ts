// A one-line summary of what changed between two exec-approvals files, for the audit log, e.g.
// "defaults.security allowlist→full; agents.main.allowlist +/usr/bin/ls -/bin/cat". Never mentions
// socket.token's value. Both sides are normalised first, so bare-string entries and `agents.default`
// compare as the node will store them.
import { normalizeApprovals } from "./normalize.js";
import type { AgentApprovals, PolicyKnobs } from "./schema.js";

const KNOBS = ["security", "ask", "askFallback", "autoAllowSkills"] as const;

function show(value: unknown): string {
  return value === undefined ? "unset" : String(value);
}

function knobChanges(at: string, before: PolicyKnobs | undefined, after: PolicyKnobs | undefined): string[] {
  const out: string[] = [];
  for (const knob of KNOBS) {
    const a = before?.[knob];
    const b = after?.[knob];
    if (a !== b) out.push(`${at}.${knob} ${show(a)}→${show(b)}`);
  }
  return out;
}

function allowlistChange(at: string, before: AgentApprovals | undefined, after: AgentApprovals | undefined): string[] {
  const a = (before?.allowlist ?? []).map((e) => e.pattern);
  const b = (after?.allowlist ?? []).map((e) => e.pattern);
  const had = new Set(a.map((p) => p.toLowerCase()));
  const has = new Set(b.map((p) => p.toLowerCase()));
  const added = b.filter((p) => !had.has(p.toLowerCase())).map((p) => `+${p}`);
  const removed = a.filter((p) => !has.has(p.toLowerCase())).map((p) => `-${p}`);
  return added.length + removed.length ? [`${at}.allowlist ${[...added, ...removed].join(" ")}`] : [];
}

/** "no changes" when the two files mean the same policy. */
export function summarizeApprovalsDiff(oldFile: unknown, newFile: unknown): string {
  const before = normalizeApprovals(oldFile ?? {});
  const after = normalizeApprovals(newFile ?? {});
  const parts: string[] = [];
  if (before.socket?.path !== after.socket?.path) parts.push(`socket.path ${show(before.socket?.path)}→${show(after.socket?.path)}`);
  if (after.socket?.token !== undefined && before.socket?.token !== after.socket.token) parts.push("socket.token replaced");
  parts.push(...knobChanges("defaults", before.defaults, after.defaults));
  const ids = [...new Set([...Object.keys(before.agents), ...Object.keys(after.agents)])];
  for (const id of ids) {
    const a = Object.prototype.hasOwnProperty.call(before.agents, id) ? before.agents[id] : undefined;
    const b = Object.prototype.hasOwnProperty.call(after.agents, id) ? after.agents[id] : undefined;
    const changes = [...knobChanges(`agents.${id}`, a, b), ...allowlistChange(`agents.${id}`, a, b)];
    if (changes.length === 0 && (a === undefined) !== (b === undefined)) changes.push(`agents.${id} ${a === undefined ? "added" : "removed"}`);
    parts.push(...changes);
  }
  return parts.length ? parts.join("; ") : "no changes";
}
