// The gateway server: HTTP(S) + WebSocket upgrade, connections, admission, method dispatch,
// broadcasts, tick/ping timers and graceful shutdown.
import { createServer, type IncomingMessage, type Server } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { CloseCodes, ErrorCodes, LIMITS, LITE_VERSION, PROTOCOL_VERSION } from "../protocol/codes.js";
import { ProtocolError } from "../protocol/errors.js";
import type { ConnectParams, RequestFrame } from "../protocol/frames.js";
import { HealthParamsSchema, EmptyParamsSchema } from "../protocol/methods.js";
import { validate } from "../protocol/validate.js";
import { createLogger, type Logger } from "../shared/log.js";
import { admitConnect, DEFAULT_MAX_PENDING_PAIRING } from "./admission.js";
import { AuthRateLimiter, DEFAULT_RATE_LIMIT, type RateLimitOptions } from "./auth-rate-limit.js";
import { Connection, type ConnectionHost } from "./connection.js";
import type { GatewayContext, MethodDef } from "./context.js";
import { InvokeRouter } from "./invoke-router.js";
import { IdempotencyCache } from "./idempotency.js";
import { deviceMethods } from "./methods-devices.js";
import { nodeMethods } from "./methods-nodes.js";
import { nodeSideMethods } from "./methods-node-side.js";
import { execApprovalMethods } from "./methods-exec-approval.js";
import { approvalsFileMethods } from "./methods-approvals-files.js";
import { ApprovalRegistry } from "./exec-approvals-registry.js";
import { appendAudit } from "../policy/audit.js";
import { NodeRegistry, type NodeSession } from "./node-registry.js";
import { reconcileSurface, type CommandPolicy } from "./node-surface.js";
import { PairingStore } from "./pairing-store.js";
import { ADVERTISED_EVENTS, eventScope, methodAccess, scopeSatisfied } from "./scopes.js";
import type { GatewayAuth } from "./shared-auth.js";
import { nodePairRequests } from "./views.js";
import { randomUUID } from "node:crypto";
import { GATEWAY_TLS_MIN_VERSION } from "./tls.js";

export interface GatewayOptions {
  stateDir: string;
  auth: GatewayAuth;
  /** Bind address (default 127.0.0.1). */
  host?: string;
  /** 0 picks a free port. Default 18789. */
  port?: number;
  tickIntervalMs?: number;
  handshakeTimeoutMs?: number;
  pingIntervalMs?: number;
  /** Approve first-time loopback devices without an operator (OpenClaw's default; ours is off). */
  autoApproveLocal?: boolean;
  commandPolicy?: Partial<CommandPolicy>;
  rateLimit?: Partial<RateLimitOptions>;
  log?: Logger;
  /** gateway.nodes.maxConcurrentInvokes: in-flight invokes per node (default 64); more → UNAVAILABLE, retryable. */
  maxConcurrentInvokes?: number;
  /** How long invokes of a node whose socket dropped wait for it to come back (default 10 s). */
  invokeReconnectGraceMs?: number;
  /** node.invoke idempotency cache: entries (default 1000) and their lifetime after the answer (default 10 min). */
  idempotency?: { maxEntries?: number; ttlMs?: number };
  /** Pending pairing requests kept at once (default 100); a new device beyond that is refused, retryable. */
  maxPendingPairing?: number;
  /** Outbound buffer per socket before it is closed 1008 `slow consumer` (default 50 MiB, policy.maxBufferedBytes). */
  maxBufferedBytes?: number;
  /** Serve wss:// with this PEM pair (TLS 1.3 minimum). `fingerprint` (SHA-256 hex) goes into join codes. */
  tls?: { cert: string; key: string; fingerprint: string };
}

function isLoopbackAddress(ip: string): boolean {
  return ip === "::1" || ip.startsWith("127.") || ip.startsWith("::ffff:127.");
}

function isDirectLocal(req: IncomingMessage): boolean {
  const ip = req.socket.remoteAddress ?? "";
  if (!isLoopbackAddress(ip)) return false;
  const h = req.headers;
  if (h.forwarded || h["x-forwarded-for"] || h["x-forwarded-host"] || h["x-real-ip"]) return false;
  const host = (h.host ?? "").replace(/:\d+$/, "").replace(/^\[|\]$/g, "").toLowerCase();
  return host === "" || host === "localhost" || host === "::1" || host.startsWith("127.");
}

export class Gateway implements GatewayContext, ConnectionHost {
  readonly store: PairingStore;
  readonly nodes = new NodeRegistry();
  readonly invokes: InvokeRouter;
  readonly idempotency: IdempotencyCache;
  readonly maxBufferedBytes: number;
  readonly approvals: ApprovalRegistry;
  readonly log: Logger;
  readonly commandPolicy: CommandPolicy;
  readonly handshakeTimeoutMs: number;
  readonly tickIntervalMs: number;
  readonly startedAt = Date.now();
  private readonly connections = new Set<Connection>();
  private readonly limiter: AuthRateLimiter;
  private readonly methods: Record<string, MethodDef>;
  private readonly server: Server | HttpsServer;
  private readonly wss: WebSocketServer;
  private timers: NodeJS.Timeout[] = [];
  private stopping = false;
  private boundPort = 0;

  private constructor(private readonly opts: GatewayOptions) {
    this.log = opts.log ?? createLogger("[gateway]");
    this.idempotency = new IdempotencyCache(opts.idempotency ?? {});
    this.maxBufferedBytes = opts.maxBufferedBytes ?? LIMITS.maxBufferedBytes;
    this.invokes = new InvokeRouter({
      ...(opts.maxConcurrentInvokes !== undefined ? { maxConcurrentPerNode: opts.maxConcurrentInvokes } : {}),
      ...(opts.invokeReconnectGraceMs !== undefined ? { reconnectGraceMs: opts.invokeReconnectGraceMs } : {}),
      onLateResult: (id, nodeId, outcome) => {
        const kept = this.idempotency.lateResult(id, nodeId, outcome);
        this.log.info(`late node.invoke.result ${id} from node ${nodeId.slice(0, 12)} (${outcome.ok ? "ok" : "error"}): ${kept ? "kept for a retry with the same idempotencyKey" : "its caller was already answered; ignored"}`);
      },
    });
    this.store = new PairingStore(opts.stateDir);
    this.limiter = new AuthRateLimiter({ ...DEFAULT_RATE_LIMIT, ...opts.rateLimit });
    this.commandPolicy = { allow: opts.commandPolicy?.allow ?? [], deny: opts.commandPolicy?.deny ?? [] };
    this.handshakeTimeoutMs = opts.handshakeTimeoutMs ?? LIMITS.handshakeTimeoutMs;
    this.tickIntervalMs = opts.tickIntervalMs ?? LIMITS.tickIntervalMs;
    this.methods = {
      health: { schema: HealthParamsSchema, handler: () => ({ ok: true, ts: Date.now(), durationMs: 0 }) },
      status: { schema: EmptyParamsSchema, handler: () => this.status() },
      ...nodeMethods,
      ...deviceMethods,
      ...nodeSideMethods,
      ...execApprovalMethods,
      ...approvalsFileMethods,
    };
    this.approvals = new ApprovalRegistry((rec) => {
      this.log.info(`exec approval ${rec.id} expired unanswered; the node's askFallback applies`);
      this.audit({ kind: "decision", decision: "resolved", resolution: "expired", approvalId: rec.id, nodeId: rec.nodeId, command: rec.plan.commandText });
      this.broadcast("exec.approval.resolved", { id: rec.id, decision: null, resolvedBy: "timeout", ts: Date.now() });
    });
    this.server = opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key, minVersion: GATEWAY_TLS_MIN_VERSION }) : createServer();
    this.server.on("request", (req, res) => {
      if (req.url === "/healthz") {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true }));
        return;
      }
      res.writeHead(426, { "content-type": "text/plain" }).end("openclaw-lite gateway: connect with a WebSocket client\n");
    });
    this.wss = new WebSocketServer({ noServer: true, maxPayload: LIMITS.preauthPayloadBytes, perMessageDeflate: false });
    this.server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
  }

  static async start(opts: GatewayOptions): Promise<Gateway> {
    const gw = new Gateway(opts);
    await new Promise<void>((resolve, reject) => {
      gw.server.once("error", reject);
      gw.server.listen(opts.port ?? 18789, opts.host ?? "127.0.0.1", () => {
        gw.server.off("error", reject);
        resolve();
      });
    });
    const addr = gw.server.address();
    gw.boundPort = typeof addr === "object" && addr ? addr.port : (opts.port ?? 0);
    gw.timers.push(setInterval(() => gw.tick(), gw.tickIntervalMs));
    gw.timers.push(setInterval(() => gw.pingAll(), opts.pingIntervalMs ?? LIMITS.wsPingIntervalMs));
    gw.timers.push(setInterval(() => {
      gw.limiter.sweep();
      gw.idempotency.sweep();
      gw.store.prune();
    }, 60_000));
    for (const t of gw.timers) t.unref();
    return gw;
  }

  get stateDir(): string {
    return this.opts.stateDir;
  }

  get port(): number {
    return this.boundPort;
  }

  get host(): string {
    return this.opts.host ?? "127.0.0.1";
  }

  url(): string {
    const host = this.host === "0.0.0.0" || this.host === "::" ? "127.0.0.1" : this.host;
    const h = host.includes(":") ? `[${host}]` : host;
    return `${this.opts.tls ? "wss" : "ws"}://${h}:${this.port}`;
  }

  /** SHA-256 fingerprint of the TLS certificate (lower-case hex), when serving wss://. */
  get tlsFingerprint(): string | undefined {
    return this.opts.tls?.fingerprint;
  }

  publicUrl(): string {
    return this.url();
  }

  status(): Record<string, unknown> {
    const paired = [...this.store.paired.values()];
    return {
      ok: true,
      version: LITE_VERSION,
      protocol: PROTOCOL_VERSION,
      uptimeMs: Date.now() - this.startedAt,
      url: this.url(),
      nodes: { connected: this.nodes.size, paired: paired.filter((p) => p.roles.includes("node")).length },
      pendingPairing: nodePairRequests(this.store).length + [...this.store.pending.values()].filter((r) => !r.roles.includes("node")).length,
      invokesInFlight: this.invokes.size,
    };
  }

  // ---- sockets ---------------------------------------------------------------------------------

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.stopping) {
      socket.end("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n");
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const ip = req.socket.remoteAddress ?? "unknown";
      const conn = new Connection(ws, { ip, loopback: isDirectLocal(req) }, this);
      this.connections.add(conn);
    });
  }

  async onConnect(conn: Connection, reqId: string, params: ConnectParams): Promise<void> {
    const result = admitConnect({
      params,
      challengeNonce: conn.nonce,
      now: Date.now(),
      peer: conn.peer,
      auth: this.opts.auth,
      store: this.store,
      limiter: this.limiter,
      autoApproveLocal: this.opts.autoApproveLocal ?? false,
      commandPolicy: this.commandPolicy,
      maxPendingPairing: this.opts.maxPendingPairing ?? DEFAULT_MAX_PENDING_PAIRING,
    });
    if (!result.ok) {
      if (result.delayMs > 0) await new Promise((r) => setTimeout(r, result.delayMs));
      if (result.pending) this.announcePending(result.pending);
      conn.respond(reqId, false, result.error.toShape());
      conn.markRejected(result.close.code, result.close.reason);
      return;
    }
    if (conn.state === "closed") return;
    if (result.method === "bootstrap-token" && params.auth?.bootstrapToken) this.store.completeBootstrapToken(params.auth.bootstrapToken);
    const role = result.role;
    const session = {
      role,
      scopes: result.scopes,
      clientId: params.client.id,
      clientMode: params.client.mode,
      protocol: result.protocol,
      ...(result.device ? { deviceId: result.device.deviceId } : {}),
      ...(params.client.displayName ? { displayName: params.client.displayName } : {}),
    };
    const hello: Record<string, unknown> = {
      type: "hello-ok",
      protocol: PROTOCOL_VERSION,
      server: { version: LITE_VERSION, connId: conn.connId },
      features: { methods: Object.keys(this.methods), events: ADVERTISED_EVENTS },
      snapshot: {
        presence: [],
        health: { ok: true, ts: Date.now() },
        stateVersion: { presence: 0, health: 0 },
        uptimeMs: Date.now() - this.startedAt,
      },
      auth: {
        method: result.method,
        role,
        scopes: result.scopes,
        ...(result.deviceToken ? { deviceToken: result.deviceToken.token, issuedAtMs: result.deviceToken.issuedAtMs } : {}),
      },
      policy: { maxPayload: LIMITS.maxPayloadBytes, maxBufferedBytes: LIMITS.maxBufferedBytes, tickIntervalMs: this.tickIntervalMs },
    };
    if (role === "node" && result.device) this.registerNode(conn, params, result.device.deviceId, result.declaredCommands, result.platform, result.deviceFamily);
    conn.respond(reqId, true, hello);
    conn.markReady(session);
    if (result.approvedNow) {
      const rec = result.device!;
      this.broadcast("device.pair.resolved", { requestId: randomUUID(), deviceId: rec.deviceId, decision: "approved", ts: Date.now() });
      this.log.info(`device ${rec.deviceId.slice(0, 12)} (${rec.displayName ?? rec.clientId}) paired via ${result.approvedNow === "bootstrap" ? "join code" : "local auto-approval"}`);
    }
  }

  private registerNode(conn: Connection, params: ConnectParams, nodeId: string, declaredCommands: string[], platform: string, deviceFamily: string | undefined): void {
    const rec = this.store.paired.get(nodeId)!;
    const declaredCaps = [...new Set(params.caps ?? [])].sort();
    const allDeclared = [...new Set(params.commands ?? [])].sort();
    const r = reconcileSurface(declaredCaps, declaredCommands, rec.nodeSurface);
    const session: NodeSession = {
      nodeId,
      connId: conn.connId,
      platform,
      version: params.client.version,
      clientId: params.client.id,
      clientMode: params.client.mode,
      remoteIp: conn.peer.ip,
      protocol: params.maxProtocol >= PROTOCOL_VERSION ? PROTOCOL_VERSION : 3,
      declaredCaps,
      declaredCommands: allDeclared,
      approvableCommands: declaredCommands,
      caps: r.effectiveCaps,
      commands: r.effectiveCommands,
      approvalState: r.state,
      connectedAtMs: Date.now(),
      lastSeenAtMs: Date.now(),
      send: (event, payload) => conn.sendDirect(event, payload),
      close: (code, reason) => conn.close(code, reason),
      ...(deviceFamily ? { deviceFamily } : {}),
      ...(params.client.displayName ? { displayName: rec.label ?? params.client.displayName } : rec.label ? { displayName: rec.label } : {}),
      ...(params.client.instanceId ? { instanceId: params.client.instanceId } : {}),
      ...(params.pathEnv !== undefined ? { pathEnv: params.pathEnv } : {}),
      ...(params.permissions ? { permissions: params.permissions } : {}),
    };
    if (r.needsApproval) {
      const p = rec.pendingNodeSurface;
      const same = p && p.caps.join() === declaredCaps.join() && p.commands.join() === declaredCommands.join();
      if (!same) {
        rec.pendingNodeSurface = {
          requestId: randomUUID(),
          caps: declaredCaps,
          commands: declaredCommands,
          version: params.client.version,
          platform,
          ts: Date.now(),
          ...(deviceFamily ? { deviceFamily } : {}),
          ...(params.client.displayName ? { displayName: params.client.displayName } : {}),
          ...(params.permissions ? { permissions: params.permissions } : {}),
        };
        this.store.savePaired();
        const req = nodePairRequests(this.store).find((x) => x.requestId === rec.pendingNodeSurface!.requestId);
        this.broadcast("node.pair.requested", req);
      }
      this.log.info(
        `node ${nodeId.slice(0, 12)} (${params.client.displayName ?? "unnamed"}) declares commands that need approval: ` +
          `openclaw nodes approve ${rec.pendingNodeSurface!.requestId}`,
      );
    } else if (rec.pendingNodeSurface) {
      delete rec.pendingNodeSurface;
      this.store.savePaired();
    }
    const replaced = this.nodes.add(session);
    if (replaced) {
      // the node reconnected over a socket we had not noticed was dead: its invokes may still be running there
      this.invokes.nodeDisconnected(nodeId, false);
      replaced.close(CloseCodes.SUPERSEDED, "superseded by a newer connection of the same device");
    }
    this.log.info(`node ${nodeId.slice(0, 12)} (${session.displayName ?? "unnamed"}) connected from ${conn.peer.ip} [${r.state}]`);
  }

  audit(entry: Record<string, unknown>): void {
    appendAudit(this.opts.stateDir, { host: "gateway", ...entry }, (message) => this.log.warn(message));
  }

  refreshNodeSurface(nodeId: string): void {
    const session = this.nodes.get(nodeId);
    const rec = this.store.paired.get(nodeId);
    if (!session || !rec) return;
    const r = reconcileSurface(session.declaredCaps, session.approvableCommands, rec.nodeSurface);
    session.caps = r.effectiveCaps;
    session.commands = r.effectiveCommands;
    session.approvalState = r.state;
  }

  private announcePending(p: { request: import("./pairing-store.js").PendingDeviceRequest; replaced?: string; created: boolean }): void {
    const req = p.request;
    if (p.replaced) this.broadcast("device.pair.resolved", { requestId: p.replaced, deviceId: req.deviceId, decision: "rejected", ts: Date.now() });
    if (!p.created) return;
    const { surface: _s, reason: _r, ...wire } = req;
    this.broadcast("device.pair.requested", wire);
    const what = req.roles.includes("node") ? "node" : "device";
    const cmd = req.roles.includes("node") ? "openclaw nodes approve" : "openclaw devices approve";
    this.log.info(`pairing request from ${what} ${req.displayName ?? req.deviceId.slice(0, 12)} (${req.platform ?? "?"}${req.remoteIp ? `, ${req.remoteIp}` : ""}): ${cmd} ${req.requestId}`);
  }

  async onRequest(conn: Connection, frame: RequestFrame): Promise<void> {
    const session = conn.session!;
    const fail = (err: ProtocolError) => conn.respond(frame.id, false, err.toShape());
    const unknown = () => fail(new ProtocolError(ErrorCodes.INVALID_REQUEST, `unknown method: ${frame.method}`));
    // The reference authorises by role first (a node's second `connect` is "unauthorized role: node"),
    // then by scope, and only then looks for a handler (traces/RAW.md).
    const access = frame.method === "connect" ? ({ role: "operator", scope: undefined } as const) : methodAccess(frame.method);
    if (!access) return unknown();
    if (access.role !== "any" && access.role !== session.role) {
      fail(new ProtocolError(ErrorCodes.INVALID_REQUEST, `unauthorized role: ${session.role}`));
      conn.noteUnauthorizedRole();
      return;
    }
    conn.noteAuthorizedCall();
    if (frame.method === "connect") return fail(new ProtocolError(ErrorCodes.INVALID_REQUEST, "connect is only valid as the first request"));
    if (access.role === "operator" && access.scope && !scopeSatisfied(session.scopes, access.scope)) {
      return fail(
        new ProtocolError(ErrorCodes.FORBIDDEN, `missing scope: ${access.scope}`, {
          details: { code: "MISSING_SCOPE", missingScope: access.scope, requiredScopes: [access.scope] },
        }),
      );
    }
    const def = this.methods[frame.method];
    if (!def) return unknown();
    const params = frame.params ?? {};
    const checked = validate(def.schema, params);
    if (!checked.ok) return fail(new ProtocolError(ErrorCodes.INVALID_REQUEST, `invalid ${frame.method} params: ${checked.message}`));
    try {
      const result = await def.handler(this, conn, checked.value, frame.id);
      conn.respond(frame.id, true, result);
    } catch (err) {
      if (err instanceof ProtocolError) return fail(err);
      throw err;
    }
  }

  onClose(conn: Connection, code: number, reason: string): void {
    this.connections.delete(conn);
    const s = conn.session;
    if (!s) return;
    if (s.role === "node" && s.deviceId && this.nodes.remove(s.deviceId, conn.connId)) {
      // a goodbye (1000/1001) fails the node's invokes at once; a dropped socket gives it the reconnect grace
      this.invokes.nodeDisconnected(s.deviceId, code === 1000 || code === 1001);
      const rec = this.store.paired.get(s.deviceId);
      if (rec) {
        rec.lastSeenAtMs = Date.now();
        rec.lastSeenReason = "disconnect";
        this.store.touchPaired();
      }
      this.log.info(`node ${s.deviceId.slice(0, 12)} (${s.displayName ?? "unnamed"}) disconnected (${code}${reason ? ` ${reason}` : ""})`);
    }
    if (s.role === "operator") {
      for (const { id, nodeId } of this.invokes.ownerDisconnected(conn.connId)) {
        this.nodes.get(nodeId)?.send("node.invoke.cancel", { invokeId: id, nodeId });
      }
    }
  }

  // ---- broadcasts and timers -------------------------------------------------------------------

  broadcast(event: string, payload: unknown): void {
    const rule = eventScope(event);
    if (rule === undefined) return;
    for (const conn of this.connections) {
      const s = conn.session;
      if (conn.state !== "ready" || !s) continue;
      if (rule !== "any" && (s.role !== "operator" || !scopeSatisfied(s.scopes, rule))) continue;
      conn.sendEvent(event, payload);
    }
  }

  disconnectDevice(deviceId: string, code: number, reason: string): void {
    for (const conn of this.connections) if (conn.session?.deviceId === deviceId) conn.close(code, reason);
  }

  private tick(): void {
    this.broadcast("tick", { ts: Date.now() });
  }

  private pingAll(): void {
    for (const conn of this.connections) {
      if (conn.state !== "ready") continue;
      if (!conn.isAlive) {
        conn.ws.terminate();
        continue;
      }
      conn.isAlive = false;
      try {
        conn.ws.ping();
      } catch {
        conn.ws.terminate();
      }
    }
  }

  /** Graceful stop: `shutdown` event, answers for in-flight invokes, close 1012 for everyone. */
  async stop(reason = "gateway stopping"): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    this.broadcast("shutdown", { reason });
    this.invokes.shutdown();
    this.approvals.shutdown();
    await new Promise((r) => setImmediate(r));
    for (const conn of this.connections) conn.close(CloseCodes.SERVICE_RESTART, "service restart");
    await new Promise<void>((resolve) => {
      this.wss.close(() => resolve());
    });
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections?.();
    });
    try {
      this.store.close();
    } catch (err) {
      this.log.warn(`could not write the last-seen bookkeeping of paired devices: ${(err as Error).message}`);
    }
  }
}
