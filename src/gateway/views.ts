// Wire views of gateway state: KnownNode (node.list), paired/pending device summaries, node pairing
// requests. Secrets (tokens) never leave through these.
import { ADMIN_NODE_COMMANDS } from "../protocol/methods.js";
import type { NodeSession } from "./node-registry.js";
import type { PairedDevice, PendingDeviceRequest, PairingStore } from "./pairing-store.js";
import { requiredApproveScopes, type ApprovalState } from "./node-surface.js";

export interface KnownNode {
  nodeId: string;
  displayName?: string;
  platform?: string;
  version?: string;
  clientId?: string;
  clientMode?: string;
  deviceFamily?: string;
  remoteIp?: string;
  caps: string[];
  commands: string[];
  permissions?: Record<string, boolean>;
  pathEnv?: string;
  hostStats?: Record<string, unknown>;
  approvalState: ApprovalState;
  connectedAtMs?: number;
  lastSeenAtMs?: number;
  lastSeenReason?: string;
  approvedAtMs?: number;
  pendingRequestId?: string;
  paired: boolean;
  connected: boolean;
}

function recordState(rec: PairedDevice): ApprovalState {
  if (!rec.nodeSurface) return "unapproved";
  return rec.pendingNodeSurface ? "pending-reapproval" : "approved";
}

export function knownNode(rec: PairedDevice | undefined, session: NodeSession | undefined): KnownNode {
  const base: KnownNode = {
    nodeId: (session?.nodeId ?? rec?.deviceId)!,
    caps: [],
    commands: [],
    approvalState: "unapproved",
    paired: Boolean(rec && rec.roles.includes("node")),
    connected: Boolean(session),
  };
  const displayName = rec?.label ?? session?.displayName ?? rec?.nodeSurface?.displayName ?? rec?.displayName;
  if (displayName) base.displayName = displayName;
  if (rec) {
    Object.assign(base, {
      platform: rec.platform,
      version: rec.nodeSurface?.version,
      clientId: rec.clientId,
      clientMode: rec.clientMode,
      deviceFamily: rec.deviceFamily,
      caps: [...(rec.nodeSurface?.caps ?? [])],
      commands: [...(rec.nodeSurface?.commands ?? [])],
      approvalState: recordState(rec),
      lastSeenAtMs: rec.lastSeenAtMs,
      lastSeenReason: rec.lastSeenReason,
      approvedAtMs: rec.nodeSurface?.approvedAtMs,
    });
    if (rec.remoteIp) base.remoteIp = rec.remoteIp;
    if (rec.pendingNodeSurface) base.pendingRequestId = rec.pendingNodeSurface.requestId;
  }
  if (session) {
    Object.assign(base, {
      platform: session.platform,
      version: session.version,
      clientId: session.clientId,
      clientMode: session.clientMode,
      deviceFamily: session.deviceFamily,
      remoteIp: session.remoteIp,
      caps: [...session.caps],
      commands: [...session.commands],
      approvalState: session.approvalState,
      connectedAtMs: session.connectedAtMs,
      lastSeenAtMs: session.lastSeenAtMs,
    });
    if (session.pathEnv !== undefined) base.pathEnv = session.pathEnv;
    if (session.permissions) base.permissions = session.permissions;
    if (session.hostStats) base.hostStats = session.hostStats;
  }
  for (const k of Object.keys(base) as (keyof KnownNode)[]) if (base[k] === undefined) delete base[k];
  return base;
}

export function listKnownNodes(store: PairingStore, sessions: NodeSession[]): KnownNode[] {
  const ids = new Set<string>(sessions.map((s) => s.nodeId));
  for (const rec of store.paired.values()) if (rec.roles.includes("node")) ids.add(rec.deviceId);
  const byId = new Map(sessions.map((s) => [s.nodeId, s]));
  const nodes = [...ids].map((id) => knownNode(store.paired.get(id), byId.get(id)));
  return nodes.sort((a, b) => Number(b.connected) - Number(a.connected) || (a.displayName ?? a.nodeId).localeCompare(b.displayName ?? b.nodeId));
}

export function pendingDeviceView(req: PendingDeviceRequest): Record<string, unknown> {
  const { surface: _surface, reason: _reason, ...wire } = req;
  return wire;
}

export function pairedDeviceView(rec: PairedDevice, connected: boolean): Record<string, unknown> {
  const { tokens, pendingNodeSurface: _p, ...rest } = rec;
  return {
    ...rest,
    tokens: Object.values(tokens).map((t) => {
      const s: Record<string, unknown> = { role: t.role, scopes: t.scopes, createdAtMs: t.createdAtMs };
      if (t.rotatedAtMs !== undefined) s.rotatedAtMs = t.rotatedAtMs;
      if (t.revokedAtMs !== undefined) s.revokedAtMs = t.revokedAtMs;
      if (t.lastUsedAtMs !== undefined) s.lastUsedAtMs = t.lastUsedAtMs;
      return s;
    }),
    connected,
  };
}

/** Node pairing requests: surface (re-)approvals plus device requests of node-role devices, one list. */
export function nodePairRequests(store: PairingStore): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const req of store.pending.values()) {
    if (!req.roles.includes("node")) continue;
    const commands = req.surface?.commands ?? [];
    const scopes = requiredApproveScopes(commands, ADMIN_NODE_COMMANDS);
    out.push({
      requestId: req.requestId,
      nodeId: req.deviceId,
      clientId: req.clientId,
      clientMode: req.clientMode,
      displayName: req.displayName,
      platform: req.platform,
      version: req.surface?.version,
      deviceFamily: req.deviceFamily,
      caps: req.surface?.caps ?? [],
      commands,
      requiredApproveScopes: scopes.includes("operator.admin") ? scopes : [...new Set([...scopes, "operator.admin"])],
      kind: "device",
      reason: req.reason,
      ...(req.remoteIp ? { remoteIp: req.remoteIp } : {}),
      isRepair: req.isRepair,
      ts: req.ts,
    });
  }
  for (const rec of store.paired.values()) {
    const p = rec.pendingNodeSurface;
    if (!p) continue;
    out.push({
      requestId: p.requestId,
      nodeId: rec.deviceId,
      clientId: rec.clientId,
      clientMode: rec.clientMode,
      displayName: p.displayName ?? rec.displayName,
      platform: p.platform ?? rec.platform,
      version: p.version,
      deviceFamily: p.deviceFamily ?? rec.deviceFamily,
      caps: p.caps,
      commands: p.commands,
      requiredApproveScopes: requiredApproveScopes(p.commands, ADMIN_NODE_COMMANDS),
      kind: "surface",
      ...(p.permissions ? { permissions: p.permissions } : {}),
      isRepair: Boolean(rec.nodeSurface),
      ts: p.ts,
    });
  }
  for (const r of out) for (const k of Object.keys(r)) if (r[k] === undefined) delete r[k];
  return out.sort((a, b) => (a.ts as number) - (b.ts as number));
}

export function pairedNodeView(rec: PairedDevice): Record<string, unknown> {
  const v: Record<string, unknown> = {
    nodeId: rec.deviceId,
    clientId: rec.clientId,
    clientMode: rec.clientMode,
    displayName: rec.label ?? rec.nodeSurface?.displayName ?? rec.displayName,
    platform: rec.platform,
    version: rec.nodeSurface?.version,
    deviceFamily: rec.deviceFamily,
    caps: rec.nodeSurface?.caps ?? [],
    commands: rec.nodeSurface?.commands ?? [],
    createdAtMs: rec.createdAtMs,
    approvedAtMs: rec.nodeSurface?.approvedAtMs ?? rec.approvedAtMs,
    lastSeenAtMs: rec.lastSeenAtMs,
    lastSeenReason: rec.lastSeenReason,
  };
  for (const k of Object.keys(v)) if (v[k] === undefined) delete v[k];
  return v;
}
