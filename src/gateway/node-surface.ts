// Node command-surface policy (protocol.md §6.2): which declared commands a node may expose, and
// how a declared surface compares with the approved one. Pure functions.
import { DEFAULT_ALLOWED_NODE_COMMANDS } from "../protocol/methods.js";
import type { NodeSurface } from "./pairing-store.js";

export interface CommandPolicy {
  allow: readonly string[];
  deny: readonly string[];
}

/** node-host platform canonicalisation (darwin → macos, win32 → windows) and family fill-in. */
export function canonicalNodePlatform(platform: string, deviceFamily: string | undefined): { platform: string; deviceFamily?: string } {
  const p = platform.trim().toLowerCase();
  const map: Record<string, [string, string]> = {
    darwin: ["macos", "Mac"],
    macos: ["macos", "Mac"],
    linux: ["linux", "Linux"],
    win32: ["windows", "Windows"],
    windows: ["windows", "Windows"],
  };
  const hit = map[p];
  if (!hit) return deviceFamily === undefined ? { platform } : { platform, deviceFamily };
  return { platform: hit[0], deviceFamily: deviceFamily ?? hit[1] };
}

export function commandAllowed(command: string, policy: CommandPolicy): "ok" | "denied" | "not-allowlisted" | "private" {
  if (/^worker\..*\.v1$/.test(command)) return "private";
  if (policy.deny.includes(command)) return "denied";
  if (DEFAULT_ALLOWED_NODE_COMMANDS.has(command) || policy.allow.includes(command)) return "ok";
  return "not-allowlisted";
}

/** Declared commands that pass the gateway's allowlist (the rest are withheld). */
export function approvableCommands(declared: readonly string[], policy: CommandPolicy): { commands: string[]; withheld: string[] } {
  const commands: string[] = [];
  const withheld: string[] = [];
  for (const c of new Set(declared)) (commandAllowed(c, policy) === "ok" ? commands : withheld).push(c);
  return { commands: commands.sort(), withheld: withheld.sort() };
}

export type ApprovalState = "approved" | "pending-approval" | "pending-reapproval" | "unapproved";

export interface Reconciled {
  state: ApprovalState;
  effectiveCaps: string[];
  effectiveCommands: string[];
  /** Set when the declared surface needs (re-)approval. */
  needsApproval: boolean;
}

export function reconcileSurface(declaredCaps: readonly string[], declaredCommands: readonly string[], approved: NodeSurface | undefined): Reconciled {
  const caps = [...new Set(declaredCaps)].sort();
  const commands = [...new Set(declaredCommands)].sort();
  if (!approved) return { state: "pending-approval", effectiveCaps: [], effectiveCommands: [], needsApproval: true };
  const effectiveCaps = caps.filter((c) => approved.caps.includes(c));
  const effectiveCommands = commands.filter((c) => approved.commands.includes(c));
  const wider = effectiveCaps.length < caps.length || effectiveCommands.length < commands.length;
  return { state: wider ? "pending-reapproval" : "approved", effectiveCaps, effectiveCommands, needsApproval: wider };
}

/** Scopes an operator needs to approve a surface (protocol.md §6.2 table). */
export function requiredApproveScopes(commands: readonly string[], adminCommands: ReadonlySet<string>): string[] {
  if (commands.length === 0) return ["operator.pairing"];
  if (commands.some((c) => adminCommands.has(c))) return ["operator.pairing", "operator.admin"];
  return ["operator.pairing", "operator.write"];
}
