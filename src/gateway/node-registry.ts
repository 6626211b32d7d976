// Connected node sessions: the single source of truth for node presence (user-asks row 30).
import type { ApprovalState } from "./node-surface.js";

export interface NodeSession {
  nodeId: string;
  connId: string;
  displayName?: string;
  platform: string;
  deviceFamily?: string;
  version: string;
  clientId: string;
  clientMode: string;
  instanceId?: string;
  remoteIp: string;
  protocol: number;
  declaredCaps: string[];
  /** Everything the node declared (for "does not support" vs "not allowlisted" answers). */
  declaredCommands: string[];
  /** The declared commands that pass the gateway's allowlist: what approval is about. */
  approvableCommands: string[];
  caps: string[];
  commands: string[];
  permissions?: Record<string, boolean>;
  pathEnv?: string;
  approvalState: ApprovalState;
  connectedAtMs: number;
  lastSeenAtMs: number;
  hostStats?: Record<string, unknown>;
  /** Sends an event to this node (targeted: no seq). */
  send(event: string, payload: unknown): boolean;
  close(code: number, reason: string): void;
}

export class NodeRegistry {
  private readonly byId = new Map<string, NodeSession>();

  get(nodeId: string): NodeSession | undefined {
    return this.byId.get(nodeId);
  }

  all(): NodeSession[] {
    return [...this.byId.values()];
  }

  get size(): number {
    return this.byId.size;
  }

  /** Registers a session; returns the one it replaced (same device, older socket). */
  add(session: NodeSession): NodeSession | undefined {
    const prev = this.byId.get(session.nodeId);
    this.byId.set(session.nodeId, session);
    return prev && prev.connId !== session.connId ? prev : undefined;
  }

  /** Removes the session if it is still the registered one for its node. */
  remove(nodeId: string, connId: string): boolean {
    const cur = this.byId.get(nodeId);
    if (!cur || cur.connId !== connId) return false;
    this.byId.delete(nodeId);
    return true;
  }
}
