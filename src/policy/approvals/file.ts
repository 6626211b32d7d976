// The exec-approvals file on disk (node-host.md §3, §5.2–5.3). The caller passes the path (the node host
// uses <stateDir>/exec-approvals.json, quirk §12.12). Reads never repair an invalid file (§12.13);
// writes are compare-and-set on the hash of the exact bytes, atomic, 0600, and skipped when nothing
// changes (§12.14).
import { readFileSync } from "node:fs";
import { sha256Hex } from "../../protocol/device-auth.js";
import { writeFileAtomic } from "../../shared/fs-atomic.js";
import { normalizeApprovals } from "./normalize.js";
import { checkAllowlistPatterns, checkApprovalsShape, type ExecApprovalsFile } from "./schema.js";

export { normalizeApprovals } from "./normalize.js";
export { effectivePolicy, type EffectivePolicy } from "./policy.js";
export type { AgentApprovals, AllowlistEntry, ExecApprovalsFile, PolicyKnobs } from "./schema.js";

export const APPROVALS_FILE_NAME = "exec-approvals.json";

export type ApprovalsRead =
  | { kind: "missing"; hash: string }
  | { kind: "ok"; file: ExecApprovalsFile; raw: string; hash: string }
  | { kind: "invalid"; message: string; hash: string };

export interface ApprovalsSnapshot {
  path: string;
  exists: boolean;
  hash: string;
  file: ExecApprovalsFile;
}

/** The serialisation every write uses, so the hash of a file we wrote is predictable. */
export function serializeApprovals(file: ExecApprovalsFile): string {
  return JSON.stringify(file, null, 2) + "\n";
}

/** Reads and validates; `file` is normalised. Invalid contents are reported, never replaced. */
export function readApprovals(path: string): ApprovalsRead {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { kind: "missing", hash: sha256Hex("") };
    return { kind: "invalid", message: `${path}: cannot be read (${code ?? (err as Error).message})`, hash: sha256Hex("") };
  }
  const hash = sha256Hex(bytes);
  const raw = bytes.toString("utf8");
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    return { kind: "invalid", message: `${path}: not valid JSON (${(err as Error).message})`, hash };
  }
  const problem = checkApprovalsShape(parsed);
  if (problem) return { kind: "invalid", message: `${path}: ${problem}`, hash };
  return { kind: "ok", file: normalizeApprovals(parsed), raw, hash };
}

// Rebuilds the file with the given socket, keeping the canonical key order.
function withSocket(file: ExecApprovalsFile, socket: ExecApprovalsFile["socket"]): ExecApprovalsFile {
  return {
    version: 1,
    ...(socket && (socket.path || socket.token) ? { socket } : {}),
    ...(file.defaults ? { defaults: file.defaults } : {}),
    agents: file.agents,
  };
}

// The file as callers may see it: the socket token never leaves the node.
function redact(file: ExecApprovalsFile): ExecApprovalsFile {
  return withSocket(file, file.socket?.path ? { path: file.socket.path } : undefined);
}

function invalidFileError(message: string, hash: string): Error {
  return new Error(`exec approvals file is invalid: ${message} (fix it by hand, or replace it with system.execApprovals.set and baseHash ${hash})`);
}

/** `{path, exists, hash, file}` with the token removed. Throws, naming the file, when it is invalid. */
export function snapshotApprovals(path: string): ApprovalsSnapshot {
  const read = readApprovals(path);
  if (read.kind === "invalid") throw invalidFileError(read.message, read.hash);
  if (read.kind === "missing") return { path, exists: false, hash: read.hash, file: { version: 1, agents: {} } };
  return { path, exists: true, hash: read.hash, file: redact(read.file) };
}

/**
 * Replaces the file after checking its shape and that `baseHash` is the hash of what is on disk now.
 * A file without a socket token keeps the current one. An invalid file on disk may be replaced this
 * way (the caller names its hash explicitly); it is never replaced implicitly.
 */
export function setApprovals(path: string, file: unknown, baseHash: string | undefined): ApprovalsSnapshot {
  const problem = checkApprovalsShape(file) ?? checkAllowlistPatterns(file);
  if (problem) throw new Error(`exec approvals file invalid: ${problem}`);
  const base = typeof baseHash === "string" ? baseHash.trim() : "";
  if (base === "") throw new Error("exec approvals base hash required; reload and retry");
  const current = readApprovals(path);
  if (base !== current.hash) throw new Error("exec approvals changed; reload and retry");

  const next = normalizeApprovals(file);
  const currentSocket = current.kind === "ok" ? current.file.socket : undefined;
  const socketPath = next.socket?.path ?? currentSocket?.path;
  const token = next.socket?.token ?? currentSocket?.token;
  const merged = withSocket(next, { ...(socketPath ? { path: socketPath } : {}), ...(token ? { token } : {}) });

  const text = serializeApprovals(merged);
  const unchanged = current.kind === "ok" && (current.raw === text || serializeApprovals(current.file) === text);
  if (!unchanged) writeFileAtomic(path, text, 0o600);
  return snapshotApprovals(path);
}
