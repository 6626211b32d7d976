// The canonical plan of a run (node-host.md §3.13) and the checks that bind an approved run to it.
// An operator approves a plan; the run that follows must be that plan exactly — same argv, command
// text, cwd, agent, session and env overrides, under the same policy, with the same file behind the
// executable (or script) — or it is refused. This is what makes a caller's `approved: true` worthless
// on its own (the original's CVSS 8.8 bypass, user-asks.md row 10).
import { createHash } from "node:crypto";
import { accessSync, constants, lstatSync, readFileSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, resolve, sep } from "node:path";
import type { EffectivePolicy } from "../../policy/approvals/policy.js";

export interface PolicySnapshot {
  security: string;
  ask: string;
  askFallback: string;
  autoAllowSkills: boolean;
  allowlistRules: string[];
}

export interface MutableFileOperand {
  argvIndex: number;
  path: string;
  sha256: string;
}

export interface RunPlan {
  argv: string[];
  cwd: string | null;
  commandText: string;
  commandPreview: null;
  agentId: string;
  sessionKey: string | null;
  mutableFileOperand?: MutableFileOperand;
  policySnapshot: PolicySnapshot;
  /** SHA-256 over the sorted env overrides; absent when the request had none. */
  envHash?: string;
}

export function policySnapshot(policy: EffectivePolicy): PolicySnapshot {
  return {
    security: policy.security,
    ask: policy.ask,
    askFallback: policy.askFallback,
    autoAllowSkills: policy.autoAllowSkills,
    allowlistRules: policy.allowlist.map((e) => e.pattern),
  };
}

/** Order-independent hash of env overrides (keys and values), or undefined for none. */
export function envHash(env: Record<string, string> | undefined): string | undefined {
  if (!env || Object.keys(env).length === 0) return undefined;
  const h = createHash("sha256");
  for (const key of Object.keys(env).sort()) h.update(`${Buffer.byteLength(key)}\0${key}\0${Buffer.byteLength(env[key] ?? "")}\0${env[key] ?? ""}\0`);
  return h.digest("hex");
}

export function fileSha256(path: string): string | undefined {
  try {
    return createHash("sha256").update(readFileSync(path)).digest("hex");
  } catch {
    return undefined;
  }
}

const INTERPRETERS = /^(ash|bash|dash|ksh|sh|zsh|fish|python[0-9.]*|node|nodejs|deno|bun|perl[0-9.]*|ruby[0-9.]*|php[0-9.]*|lua[0-9.]*|tclsh[0-9.]*|Rscript|osascript|pwsh|powershell)$/i;

/**
 * The file whose content decides what the run does: the script operand of an interpreter
 * (`python3 build.py`, `bash deploy.sh`), else the executable itself.
 */
export function mutableFileOperand(argv: readonly string[], resolvedExecutable: string | undefined, cwd: string | undefined): MutableFileOperand | undefined {
  if (resolvedExecutable === undefined) return undefined;
  const script = argv[1];
  if (INTERPRETERS.test(basename(resolvedExecutable)) && script !== undefined && !script.startsWith("-")) {
    const path = resolve(cwd ?? process.cwd(), script);
    const sha256 = isFile(path) ? fileSha256(path) : undefined;
    if (sha256 !== undefined) return { argvIndex: 1, path, sha256 };
  }
  const sha256 = fileSha256(resolvedExecutable);
  return sha256 === undefined ? undefined : { argvIndex: 0, path: resolvedExecutable, sha256 };
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * An approved run's working directory (node-host.md §3.13 hardening): it must exist, be a directory, not
 * be a symlink, and have no symlink component that the node process could re-point (its parent is
 * writable by us). The result is the real path, so the plan names the directory itself.
 */
export function hardenCwd(cwd: string | undefined): { ok: true; cwd: string | null } | { ok: false; message: string } {
  if (cwd === undefined) return { ok: true, cwd: null };
  const absolute = resolve(cwd);
  let st;
  try {
    st = lstatSync(absolute);
  } catch {
    return { ok: false, message: "SYSTEM_RUN_DENIED: approval requires an existing canonical cwd" };
  }
  if (st.isSymbolicLink()) return { ok: false, message: "SYSTEM_RUN_DENIED: approval requires canonical cwd (no symlink cwd)" };
  if (!st.isDirectory()) return { ok: false, message: "SYSTEM_RUN_DENIED: approval requires cwd to be a directory" };
  const parts = absolute.split(sep).filter(Boolean);
  let current = isAbsolute(absolute) ? sep : "";
  for (const part of parts) {
    const next = resolve(current, part);
    try {
      if (lstatSync(next).isSymbolicLink() && writable(dirname(next))) {
        return { ok: false, message: "SYSTEM_RUN_DENIED: approval requires canonical cwd (no symlink path components)" };
      }
    } catch {
      return { ok: false, message: "SYSTEM_RUN_DENIED: approval requires an existing canonical cwd" };
    }
    current = next;
  }
  try {
    return { ok: true, cwd: realpathSync(absolute) };
  } catch {
    return { ok: false, message: "SYSTEM_RUN_DENIED: approval cwd identity mismatch" };
  }
}

/** What the node computed for the run in hand, to compare with the plan it was approved under. */
export interface RunShape {
  argv: readonly string[];
  commandText: string;
  cwd: string | null;
  agentId: string;
  sessionKey: string | null;
  envHash: string | undefined;
}

function sameArgv(a: unknown, b: readonly string[]): boolean {
  return Array.isArray(a) && a.length === b.length && a.every((item, i) => item === b[i]);
}

/** The first field in which the run differs from the plan, or null when it is the plan. */
export function planMismatch(plan: unknown, run: RunShape): string | null {
  if (plan === null || typeof plan !== "object" || Array.isArray(plan)) return "systemRunPlan";
  const p = plan as Partial<Record<keyof RunPlan, unknown>>;
  if (!sameArgv(p.argv, run.argv)) return "argv";
  if (p.commandText !== run.commandText) return "commandText";
  if ((p.cwd ?? null) !== run.cwd) return "cwd";
  if (p.agentId !== run.agentId) return "agentId";
  if ((p.sessionKey ?? null) !== run.sessionKey) return "sessionKey";
  if ((p.envHash ?? undefined) !== run.envHash) return "env";
  return null;
}

/**
 * True when the policy the plan was approved under still holds. Allowlist entries added since do not
 * count as a change (allow-always adds them on approval, before the run); any other change does.
 */
export function samePolicy(plan: unknown, current: PolicySnapshot): boolean {
  const snap = normalizeSnapshot((plan as { policySnapshot?: unknown } | null)?.policySnapshot);
  if (snap === null) return false;
  const knobs = (s: PolicySnapshot) => JSON.stringify([s.security, s.ask, s.askFallback, s.autoAllowSkills]);
  if (knobs(snap) !== knobs(current)) return false;
  const now = new Set(current.allowlistRules);
  return snap.allowlistRules.every((rule) => now.has(rule));
}

function normalizeSnapshot(value: unknown): PolicySnapshot | null {
  if (value === null || typeof value !== "object") return null;
  const v = value as Record<string, unknown>;
  return {
    security: String(v.security),
    ask: String(v.ask),
    askFallback: String(v.askFallback),
    autoAllowSkills: v.autoAllowSkills === true,
    allowlistRules: Array.isArray(v.allowlistRules) ? v.allowlistRules.map(String) : [],
  };
}

/** True when the plan's file operand (if any) still has the content it had when approved. */
export function operandUnchanged(plan: unknown): boolean {
  const op = (plan as { mutableFileOperand?: unknown } | null)?.mutableFileOperand;
  if (op === undefined || op === null) return true;
  const o = op as Partial<MutableFileOperand>;
  if (typeof o.path !== "string" || typeof o.sha256 !== "string") return false;
  return fileSha256(o.path) === o.sha256;
}
