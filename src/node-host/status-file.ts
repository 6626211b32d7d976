// <stateDir>/node-status.json: what the running node host is doing, for `openclaw node status`.
// Written atomically (0600) on state changes only; holds no secrets.
import { join } from "node:path";
import { readJsonFile, writeJsonAtomic } from "../shared/fs-atomic.js";

export type NodeRunState = "connecting" | "pairing" | "connected" | "stopped";

export interface NodeStatusFile {
  pid: number;
  state: NodeRunState;
  /** Admitted by this gateway at least once (it holds a device token for us). */
  paired: boolean;
  gateway: string;
  deviceId?: string;
  updatedAt: string;
  lastError?: string;
  /** The pending pairing request, while state is "pairing". */
  requestId?: string;
}

export function nodeStatusPath(stateDir: string): string {
  return join(stateDir, "node-status.json");
}

export function writeNodeStatus(stateDir: string, s: NodeStatusFile): void {
  writeJsonAtomic(nodeStatusPath(stateDir), s);
}

export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Reads the status file. A file whose process is gone (killed, crashed) is reported as "stopped"
 * with `stale: true`, so a dead node never shows as connected.
 */
export function readNodeStatus(stateDir: string, alive: (pid: number) => boolean = pidAlive): (NodeStatusFile & { stale: boolean }) | undefined {
  const r = readJsonFile<Partial<NodeStatusFile>>(nodeStatusPath(stateDir));
  if (r.kind !== "ok" || !r.value || typeof r.value !== "object") return undefined;
  const v = r.value;
  const states: NodeRunState[] = ["connecting", "pairing", "connected", "stopped"];
  if (typeof v.pid !== "number" || !states.includes(v.state as NodeRunState)) return undefined;
  const running = v.state !== "stopped" && alive(v.pid);
  return {
    pid: v.pid,
    state: running ? (v.state as NodeRunState) : "stopped",
    paired: v.paired === true,
    gateway: typeof v.gateway === "string" ? v.gateway : "",
    ...(typeof v.deviceId === "string" ? { deviceId: v.deviceId } : {}),
    updatedAt: typeof v.updatedAt === "string" ? v.updatedAt : "",
    ...(typeof v.lastError === "string" ? { lastError: v.lastError } : {}),
    ...(typeof v.requestId === "string" && running ? { requestId: v.requestId } : {}),
    stale: v.state !== "stopped" && !running,
  };
}
