// node.json: `{version:1, nodeId, token?, displayName, gateway:{host, port, tls, tlsFingerprint?}}`,
// written atomically with mode 0600. `token` is the device token the gateway issued at pairing;
// `tlsFingerprint` is the gateway certificate pin, stored normalised (64 lower-case hex, as 2026.9.6).
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { readJsonFile, writeJsonAtomic } from "../shared/fs-atomic.js";
import { normalizeTlsFingerprint } from "../shared/tls-fingerprint.js";

export interface NodeGatewayConfig {
  host: string;
  port: number;
  tls: boolean;
  tlsFingerprint?: string;
}

export interface NodeConfig {
  version: 1;
  nodeId: string;
  token?: string;
  displayName: string;
  gateway: NodeGatewayConfig;
}

export class NodeConfigError extends Error {
  override name = "NodeConfigError";
}

export function nodeConfigPath(stateDir: string): string {
  return join(stateDir, "node.json");
}

export function defaultDisplayName(): string {
  return hostname().replace(/\.local$/, "") || "openclaw";
}

/** Reads node.json; missing → undefined; unreadable or malformed → NodeConfigError naming the file. */
export function readNodeConfig(stateDir: string): NodeConfig | undefined {
  const path = nodeConfigPath(stateDir);
  const r = readJsonFile<Partial<NodeConfig>>(path);
  if (r.kind === "missing") return undefined;
  if (r.kind === "error") throw new NodeConfigError(`${r.message}; fix or remove it`);
  const v = r.value;
  if (!v || typeof v !== "object" || v.version !== 1 || typeof v.nodeId !== "string") {
    throw new NodeConfigError(`${path} is not a version 1 node config (needs "version": 1 and a "nodeId"); fix or remove it`);
  }
  const g = (v.gateway ?? {}) as Partial<NodeGatewayConfig>;
  const cfg: NodeConfig = {
    version: 1,
    nodeId: v.nodeId,
    displayName: typeof v.displayName === "string" && v.displayName.trim() ? v.displayName : defaultDisplayName(),
    gateway: {
      host: typeof g.host === "string" && g.host ? g.host : "127.0.0.1",
      port: typeof g.port === "number" ? g.port : 18789,
      tls: g.tls === true,
      // an older release stored the pin as typed ("AB:CD:…"); an unusable one is kept and refused at connect
      ...(typeof g.tlsFingerprint === "string" && g.tlsFingerprint ? { tlsFingerprint: normalizeTlsFingerprint(g.tlsFingerprint) ?? g.tlsFingerprint } : {}),
    },
  };
  if (typeof v.token === "string" && v.token) cfg.token = v.token;
  return cfg;
}

export function writeNodeConfig(stateDir: string, cfg: NodeConfig): void {
  const out: Record<string, unknown> = { version: 1, nodeId: cfg.nodeId };
  if (cfg.token) out.token = cfg.token;
  out.displayName = cfg.displayName;
  out.gateway = { host: cfg.gateway.host, port: cfg.gateway.port, tls: cfg.gateway.tls, ...(cfg.gateway.tlsFingerprint ? { tlsFingerprint: cfg.gateway.tlsFingerprint } : {}) };
  writeJsonAtomic(nodeConfigPath(stateDir), out);
}

export interface RunOverrides {
  host?: string;
  port?: number;
  tls?: boolean;
  /** Normalised pin (replaces the saved one). */
  tlsFingerprint?: string;
  nodeId?: string;
  displayName?: string;
  /** Config `gateway.tls.enabled` on this machine: the last fallback for `tls` (node-host.md §1.5). */
  configTls?: boolean;
}

/**
 * Merges CLI flags over the saved node.json (saved values are kept when a flag is absent, so a
 * plain `node run` after a TLS run stays on TLS — node-host.md §12 item 22). A changed node id
 * clears the stored pairing token, as `--node-id` documents.
 */
export function resolveNodeConfig(saved: NodeConfig | undefined, o: RunOverrides): NodeConfig {
  const endpointChanged = (o.host !== undefined && o.host !== saved?.gateway.host) || (o.port !== undefined && o.port !== saved?.gateway.port);
  const keepSavedTls = saved && !endpointChanged;
  const tlsFingerprint = o.tlsFingerprint ?? (keepSavedTls ? saved.gateway.tlsFingerprint : undefined);
  const tls = o.tls ?? (tlsFingerprint ? true : keepSavedTls ? saved.gateway.tls : (o.configTls ?? false));
  const nodeId = o.nodeId ?? saved?.nodeId ?? randomUUID();
  const cfg: NodeConfig = {
    version: 1,
    nodeId,
    displayName: o.displayName ?? saved?.displayName ?? defaultDisplayName(),
    gateway: {
      host: o.host ?? saved?.gateway.host ?? "127.0.0.1",
      port: o.port ?? saved?.gateway.port ?? 18789,
      tls,
      ...(tlsFingerprint && tls ? { tlsFingerprint } : {}),
    },
  };
  const tokenStillValid = saved?.token && nodeId === saved.nodeId && !endpointChanged;
  if (tokenStillValid) cfg.token = saved!.token!;
  return cfg;
}
