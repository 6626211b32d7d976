// The node host's connection to a gateway: challenge → signed connect → hello-ok, then events
// and requests; reconnects with jittered back-off; pairing is retried quietly so an approval is
// picked up within seconds (node-host.md §7, §12 items 1–2).
import { randomUUID } from "node:crypto";
import type WebSocket from "ws";
import { CloseCodes, ConnectDetailCodes as D, LIMITS, LITE_VERSION } from "../protocol/codes.js";
import { buildPayloadV3, signPayload, tokenSlot, type DeviceKeyPair } from "../protocol/device-auth.js";
import type { ConnectAuth, ConnectParams } from "../protocol/frames.js";
import { Backoff, restartSpreadDelay } from "../shared/backoff.js";
import { dialGateway, GatewayTransportError, plainToTlsHint } from "../shared/gateway-socket.js";
import type { Logger } from "../shared/log.js";

export interface GatewayClientOptions {
  url: string;
  /** Normalised SHA-256 pin of the gateway certificate (wss:// only). */
  tlsFingerprint?: string;
  /** For OPENCLAW_ALLOW_INSECURE_PRIVATE_WS. */
  env?: NodeJS.ProcessEnv;
  identity: DeviceKeyPair;
  client: { displayName: string; instanceId: string; platform: string; deviceFamily?: string };
  caps: string[];
  commands: string[];
  pathEnv?: string;
  /** Explicit shared credentials (env/config). */
  token?: string;
  password?: string;
  /** One-time join code secret; used only while no device token is stored. */
  bootstrapToken?: string;
  getDeviceToken(): string | undefined;
  setDeviceToken(token: string | undefined): void;
  log: Logger;
  onEvent(event: string, payload: unknown): void;
  onConnected(info: { hello: Record<string, unknown>; protocol: number }): void;
  onDisconnected?(info: { code: number; reason: string }): void;
  /** The gateway holds this device for approval (called once per request id). */
  onPairingRequired?(requestId: string): void;
  /** The gateway cannot be reached (first failure, then every 10th attempt). */
  onUnreachable?(message: string): void;
  /** A failure no retry can fix; the host should exit non-zero with this message. */
  onFatal(message: string, code: string): void;
  reconnect?: { initialMs: number; maxMs: number };
  pairingRetry?: { initialMs: number; maxMs: number };
  /**
   * Process watchdog: no connection progress (admitted, or a pairing answer from the gateway) for this
   * long → onFatal with code WATCHDOG, so the service manager restarts the process. Default 10 min; 0 = off.
   */
  watchdogMs?: number;
}

export const DEFAULT_WATCHDOG_MS = 600_000;

type ConnectError = { code: string; message: string; details?: Record<string, unknown>; retryAfterMs?: number };

const EXIT_CODES = new Set<string>([
  D.AUTH_TOKEN_MISSING,
  D.AUTH_TOKEN_MISMATCH,
  D.AUTH_TOKEN_NOT_CONFIGURED,
  D.AUTH_PASSWORD_MISSING,
  D.AUTH_PASSWORD_MISMATCH,
  D.AUTH_PASSWORD_NOT_CONFIGURED,
  D.AUTH_BOOTSTRAP_TOKEN_INVALID,
  D.AUTH_SCOPE_MISMATCH,
  D.DEVICE_IDENTITY_REQUIRED,
  D.CLIENT_VERSION_MISMATCH,
  "AUTH_IDENTITY_HEADER_REQUIRED",
]);

function fixHint(code: string): string {
  switch (code) {
    case D.AUTH_TOKEN_MISSING:
    case D.AUTH_PASSWORD_MISSING:
      return "set OPENCLAW_GATEWAY_TOKEN (or OPENCLAW_GATEWAY_PASSWORD) to the gateway's secret, or pair with a join code: openclaw node run --pair <code>";
    case D.AUTH_TOKEN_MISMATCH:
    case D.AUTH_PASSWORD_MISMATCH:
      return "OPENCLAW_GATEWAY_TOKEN / OPENCLAW_GATEWAY_PASSWORD does not match the gateway's; fix it (the gateway's token is in its state dir, gateway-auth.json)";
    case D.AUTH_BOOTSTRAP_TOKEN_INVALID:
      return "the join code is invalid, expired (10 minutes) or already used; mint a new one on the gateway: openclaw nodes join-code";
    case D.AUTH_DEVICE_TOKEN_MISMATCH:
      return "the gateway no longer accepts this node's device token (revoked, rotated or the device was removed); pair again with a join code (openclaw node run --pair <code>) or a shared token";
    default:
      return "check the gateway's log for details";
  }
}

export class GatewayClient {
  private ws: WebSocket | undefined;
  private stopped = false;
  private connected = false;
  private legacyV3 = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private lastInbound = Date.now();
  private tickIntervalMs: number = LIMITS.tickIntervalMs;
  private readonly reconnectOpts: { initialMs: number; maxMs: number };
  private readonly backoff: Backoff;
  private readonly pairingBackoff: Backoff;
  private announcedRequest: string | undefined;
  private readonly pendingRequests = new Map<string, { resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout }>();
  private reqCounter = 0;
  private nextDelay: number | undefined;
  private lastProgress = Date.now();
  private watchdogTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: GatewayClientOptions) {
    this.reconnectOpts = opts.reconnect ?? { initialMs: 1000, maxMs: 30_000 };
    this.backoff = new Backoff(this.reconnectOpts);
    this.pairingBackoff = new Backoff(opts.pairingRetry ?? { initialMs: 1000, maxMs: 5000 });
  }

  get isConnected(): boolean {
    return this.connected;
  }

  start(): void {
    this.stopped = false;
    this.lastProgress = Date.now();
    this.startWatchdog();
    this.open();
  }

  private startWatchdog(): void {
    const limit = this.opts.watchdogMs ?? DEFAULT_WATCHDOG_MS;
    if (limit <= 0 || this.watchdogTimer) return;
    this.watchdogTimer = setInterval(() => {
      if (this.stopped || this.connected) return;
      const idle = Date.now() - this.lastProgress;
      if (idle < limit) return;
      this.stopped = true;
      this.stopWatchdog();
      if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
      this.ws?.terminate();
      this.opts.onFatal(
        `no connection to the gateway at ${this.opts.url} for ${Math.round(idle / 1000)} s${this.lastError ? ` (last error: ${this.lastError})` : ""}; exiting so the service manager restarts the node`,
        "WATCHDOG",
      );
    }, Math.max(50, Math.min(30_000, Math.floor(limit / 4))));
    this.watchdogTimer.unref();
  }

  private stopWatchdog(): void {
    if (this.watchdogTimer) clearInterval(this.watchdogTimer);
    this.watchdogTimer = undefined;
  }

  /** Closes the socket and stops reconnecting. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.stopTickWatch();
    this.stopWatchdog();
    const ws = this.ws;
    if (!ws || ws.readyState === ws.CLOSED) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        ws.terminate();
        resolve();
      }, 250);
      ws.once("close", () => {
        clearTimeout(t);
        resolve();
      });
      ws.close(1000);
    });
  }

  /** Sends a request to the gateway; rejects on error, timeout or disconnect. */
  request(method: string, params: unknown, timeoutMs = 30_000): Promise<unknown> {
    const ws = this.ws;
    if (!ws || !this.connected || ws.readyState !== ws.OPEN) return Promise.reject(new Error("gateway not connected"));
    const id = `${++this.reqCounter}:${randomUUID()}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pendingRequests.delete(id);
        reject(new Error(`gateway request timeout for ${method}`));
      }, timeoutMs);
      this.pendingRequests.set(id, { resolve, reject, timer });
      ws.send(JSON.stringify({ type: "req", id, method, params }));
    });
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.open(), delayMs);
  }

  private buildConnect(nonce: string, ts: number): ConnectParams {
    const o = this.opts;
    const deviceToken = o.getDeviceToken();
    const auth: ConnectAuth = {};
    if (o.token) auth.token = o.token;
    if (o.password) auth.password = o.password;
    if (deviceToken) auth.deviceToken = deviceToken;
    else if (o.bootstrapToken) auth.bootstrapToken = o.bootstrapToken;
    let platform = o.client.platform;
    let deviceFamily = o.client.deviceFamily;
    if (this.legacyV3) {
      platform = platform === "macos" ? "darwin" : platform === "windows" ? "win32" : platform;
      deviceFamily = undefined;
    }
    const scopes: string[] = [];
    const payload = buildPayloadV3({
      deviceId: o.identity.deviceId,
      clientId: "node-host",
      clientMode: "node",
      role: "node",
      scopes,
      signedAtMs: ts,
      token: tokenSlot(auth),
      nonce,
      platform,
      deviceFamily,
    });
    const params: ConnectParams = {
      minProtocol: this.legacyV3 ? 3 : 4,
      maxProtocol: this.legacyV3 ? 3 : 4,
      client: {
        id: "node-host",
        displayName: o.client.displayName,
        version: LITE_VERSION,
        platform,
        ...(deviceFamily ? { deviceFamily } : {}),
        mode: "node",
        instanceId: o.client.instanceId,
      },
      caps: o.caps,
      commands: o.commands,
      ...(o.pathEnv !== undefined ? { pathEnv: o.pathEnv } : {}),
      ...(Object.keys(auth).length ? { auth } : {}),
      role: "node",
      scopes,
      device: {
        id: o.identity.deviceId,
        publicKey: o.identity.publicKey,
        signature: signPayload(o.identity.privateKeyPem, payload),
        signedAt: ts,
        nonce,
      },
    };
    return params;
  }

  private dialSeq = 0;

  private open(): void {
    if (this.stopped) return;
    this.nextDelay = undefined;
    const seq = ++this.dialSeq;
    // wss:// is verified (pin or CA) on the TLS socket before the upgrade request is written
    dialGateway(this.opts.url, {
      ...(this.opts.tlsFingerprint ? { tlsFingerprint: this.opts.tlsFingerprint } : {}),
      ...(this.opts.env ? { env: this.opts.env } : {}),
      ws: { maxPayload: LIMITS.maxPayloadBytes, perMessageDeflate: false, handshakeTimeout: 15_000 },
    }).then(
      (ws) => {
        if (this.stopped || seq !== this.dialSeq) {
          ws.on("error", () => {});
          ws.terminate();
          return;
        }
        this.attach(ws);
      },
      (err: unknown) => {
        if (this.stopped || seq !== this.dialSeq) return;
        if (err instanceof GatewayTransportError && err.fatal) {
          // a pin mismatch, an untrusted certificate, a refused url: retrying cannot help
          this.stopped = true;
          this.opts.onFatal(`gateway connect failed: ${err.message}`, err.code);
          return;
        }
        const msg = (err as Error).message;
        this.opts.log.debug(`gateway connect failed: ${msg}`);
        this.lastError = msg;
        this.retryLater(false);
      },
    );
  }

  private retryLater(wasConnected: boolean): void {
    const delay = this.nextDelay ?? this.backoff.next();
    const n = this.backoff.attempts;
    if (!wasConnected && this.nextDelay === undefined && this.lastError && (n === 1 || n % 10 === 0)) {
      // first failure, then a reminder every 10 attempts: never silent, never spammy
      this.opts.log.warn(`cannot reach the gateway at ${this.opts.url} (${this.lastError}); retrying${n > 1 ? ` (attempt ${n})` : ""}`);
      this.opts.onUnreachable?.(this.lastError);
    }
    this.lastError = undefined;
    this.schedule(delay);
  }

  private attach(ws: WebSocket): void {
    this.ws = ws;
    let phase: "challenge" | "connect" | "ready" = "challenge";
    let connectId = "";
    const challengeTimer = setTimeout(() => {
      if (phase === "challenge") ws.close(CloseCodes.POLICY_VIOLATION, "connect challenge timeout");
    }, LIMITS.handshakeTimeoutMs);
    let connectTimer: NodeJS.Timeout | undefined;
    // events that race ahead of the hello-ok response (protocol.md §3.5 step 12)
    const early: { event: string; payload: unknown }[] = [];
    ws.on("message", (data) => {
      this.lastInbound = Date.now();
      let frame: Record<string, unknown>;
      try {
        frame = JSON.parse(data.toString()) as Record<string, unknown>;
      } catch {
        this.opts.log.debug("ignored a gateway frame that is not JSON");
        return;
      }
      if (phase === "challenge") {
        if (frame.type !== "event" || frame.event !== "connect.challenge") return;
        const p = frame.payload as { nonce?: unknown; ts?: unknown } | undefined;
        const nonce = typeof p?.nonce === "string" ? p.nonce.trim() : "";
        if (!nonce) {
          ws.close(CloseCodes.POLICY_VIOLATION, "connect challenge missing nonce");
          return;
        }
        const ts = typeof p?.ts === "number" && Number.isSafeInteger(p.ts) && p.ts >= 0 ? p.ts : Date.now();
        clearTimeout(challengeTimer);
        phase = "connect";
        connectId = `${++this.reqCounter}:${randomUUID()}`;
        ws.send(JSON.stringify({ type: "req", id: connectId, method: "connect", params: this.buildConnect(nonce, ts) }));
        connectTimer = setTimeout(() => {
          if (phase === "connect") ws.close(CloseCodes.TICK_TIMEOUT, "connect timeout");
        }, LIMITS.handshakeTimeoutMs);
        return;
      }
      if (phase === "connect" && frame.type === "res" && frame.id === connectId) {
        if (connectTimer) clearTimeout(connectTimer);
        if (frame.ok === true) {
          const hello = (frame.payload ?? {}) as Record<string, unknown>;
          const protocol = typeof hello.protocol === "number" ? hello.protocol : 4;
          if (this.legacyV3 && protocol > 3) {
            // the gateway speaks 4 after all: reconnect with the current envelope
            this.legacyV3 = false;
            this.nextDelay = 250;
            ws.close(CloseCodes.SERVICE_RESTART, "gateway protocol upgraded");
            return;
          }
          phase = "ready";
          this.onHello(hello, protocol);
          for (const e of early.splice(0)) this.opts.onEvent(e.event, e.payload);
          return;
        }
        this.onConnectError((frame.error ?? { code: "UNAVAILABLE", message: "connect failed" }) as ConnectError, ws);
        return;
      }
      if (phase !== "ready") {
        if (frame.type === "event" && typeof frame.event === "string" && early.length < 64) early.push({ event: frame.event, payload: frame.payload });
        return;
      }
      if (frame.type === "event") {
        this.opts.onEvent(String(frame.event), frame.payload);
        return;
      }
      if (frame.type === "res" && typeof frame.id === "string") {
        const pending = this.pendingRequests.get(frame.id);
        if (!pending) return;
        this.pendingRequests.delete(frame.id);
        clearTimeout(pending.timer);
        if (frame.ok === true) pending.resolve(frame.payload);
        else {
          const e = (frame.error ?? {}) as { code?: string; message?: string };
          pending.reject(Object.assign(new Error(e.message ?? "request failed"), { code: e.code }));
        }
      }
    });

    ws.on("error", (err) => {
      const msg = (err as Error).message + (this.connected ? "" : plainToTlsHint(this.opts.url, (err as Error).message));
      if (!this.connected) this.opts.log.debug(`gateway connect failed: ${msg}`);
      else this.opts.log.warn(`gateway socket error: ${msg}`);
      this.lastError = msg;
    });

    ws.on("close", (code, reasonBuf) => {
      clearTimeout(challengeTimer);
      if (connectTimer) clearTimeout(connectTimer);
      const reason = reasonBuf.toString();
      const wasConnected = this.connected;
      this.connected = false;
      if (wasConnected) this.lastProgress = Date.now();
      this.stopTickWatch();
      for (const [id, p] of this.pendingRequests) {
        clearTimeout(p.timer);
        p.reject(new Error(`gateway closed (${code}): ${reason}`));
        this.pendingRequests.delete(id);
      }
      if (wasConnected && !this.stopped) {
        this.opts.log.warn(`gateway closed (${code})${reason ? `: ${reason}` : ""}; reconnecting`);
        this.opts.onDisconnected?.({ code, reason });
      }
      if (this.stopped) return;
      if (code === CloseCodes.SERVICE_RESTART && wasConnected && this.nextDelay === undefined) {
        // a gateway restart disconnects the whole fleet at once: spread the first attempts (backoff.ts)
        this.nextDelay = restartSpreadDelay(this.reconnectOpts);
      }
      if (code === CloseCodes.INVALIDATED && /device removed|revoked|rotated/.test(reason)) {
        this.opts.setDeviceToken(undefined);
        if (!this.opts.token && !this.opts.password) {
          this.stopped = true;
          this.opts.onFatal(`the gateway invalidated this node (${reason}). ${fixHint(D.AUTH_DEVICE_TOKEN_MISMATCH)}`, D.AUTH_DEVICE_TOKEN_MISMATCH);
          return;
        }
      }
      this.retryLater(wasConnected);
    });
  }

  private lastError: string | undefined;

  private onHello(hello: Record<string, unknown>, protocol: number): void {
    this.connected = true;
    this.lastProgress = Date.now();
    // a join code is single use: once admitted, only the device token is used
    delete this.opts.bootstrapToken;
    this.backoff.reset();
    this.pairingBackoff.reset();
    this.announcedRequest = undefined;
    const auth = hello.auth as { deviceToken?: unknown } | undefined;
    if (typeof auth?.deviceToken === "string" && auth.deviceToken && auth.deviceToken !== this.opts.getDeviceToken()) {
      this.opts.setDeviceToken(auth.deviceToken);
    }
    const policy = hello.policy as { tickIntervalMs?: unknown } | undefined;
    this.tickIntervalMs = typeof policy?.tickIntervalMs === "number" && policy.tickIntervalMs > 0 ? policy.tickIntervalMs : LIMITS.tickIntervalMs;
    this.startTickWatch();
    this.opts.onConnected({ hello, protocol });
  }

  private onConnectError(err: ConnectError, ws: WebSocket): void {
    const detail = err.details?.code as string | undefined;
    const log = this.opts.log;
    const closeFailed = () => ws.close(CloseCodes.POLICY_VIOLATION, "connect failed");

    if ((detail === D.PROTOCOL_MISMATCH || /protocol mismatch/.test(err.message)) && err.details?.expectedProtocol === 3 && !this.legacyV3) {
      this.legacyV3 = true;
      this.nextDelay = 250;
      log.info("gateway speaks protocol 3; retrying with the protocol 3 envelope");
      ws.close(CloseCodes.POLICY_VIOLATION, "connect retry");
      return;
    }
    if ((detail === D.PROTOCOL_MISMATCH || /protocol mismatch/.test(err.message)) && err.details?.expectedProtocol === 4 && this.legacyV3) {
      this.legacyV3 = false;
      this.nextDelay = 250;
      ws.close(CloseCodes.POLICY_VIOLATION, "connect retry");
      return;
    }
    if (detail === D.PAIRING_REQUIRED) {
      this.lastProgress = Date.now(); // the gateway is alive and holds us for an operator: not a dead connection
      const requestId = String(err.details?.requestId ?? "");
      if (requestId !== this.announcedRequest) {
        this.announcedRequest = requestId;
        log.info(`waiting for approval: ${err.message}`);
        log.info(`approve it on the gateway host: openclaw nodes approve ${requestId}  (a real OpenClaw gateway: openclaw devices approve ${requestId}, then openclaw nodes approve)`);
        log.info("this node keeps retrying quietly and starts working as soon as it is approved");
        this.opts.onPairingRequired?.(requestId);
      }
      this.nextDelay = this.pairingBackoff.next();
      closeFailed();
      return;
    }
    if (detail === D.AUTH_RATE_LIMITED) {
      this.nextDelay = Math.max(1000, Number(err.retryAfterMs ?? err.details?.retryAfterMs ?? 60_000));
      log.warn(`gateway refused: ${err.message}; retrying in ${Math.round(this.nextDelay / 1000)} s`);
      closeFailed();
      return;
    }
    if (detail === D.AUTH_DEVICE_TOKEN_MISMATCH) {
      this.opts.setDeviceToken(undefined);
      if (this.opts.token || this.opts.password || this.opts.bootstrapToken) {
        log.warn("the gateway rejected the stored device token; retrying with the configured credentials");
        this.nextDelay = 250;
        closeFailed();
        return;
      }
    }
    if (detail && (EXIT_CODES.has(detail) || detail === D.AUTH_DEVICE_TOKEN_MISMATCH || detail === D.PROTOCOL_MISMATCH || detail.startsWith("DEVICE_AUTH_"))) {
      this.stopped = true;
      closeFailed();
      this.opts.onFatal(`gateway refused this node: ${err.message} (${detail}). ${fixHint(detail)}`, detail);
      return;
    }
    log.warn(`gateway connect failed: ${err.message}${detail ? ` (${detail})` : ""}`);
    closeFailed();
  }

  private startTickWatch(): void {
    this.stopTickWatch();
    this.lastInbound = Date.now();
    const every = Math.max(this.tickIntervalMs, 1000);
    this.tickTimer = setInterval(() => {
      if (Date.now() - this.lastInbound > 2 * this.tickIntervalMs) {
        this.opts.log.warn("no traffic from the gateway for two tick intervals; reconnecting");
        this.ws?.close(CloseCodes.TICK_TIMEOUT, "tick timeout");
        // a half-open TCP connection may never complete the close handshake
        const ws = this.ws;
        setTimeout(() => ws?.terminate(), 1000).unref();
      }
    }, every);
    this.tickTimer.unref();
  }

  private stopTickWatch(): void {
    if (this.tickTimer) clearInterval(this.tickTimer);
    this.tickTimer = undefined;
  }
}
