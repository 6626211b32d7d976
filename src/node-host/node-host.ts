// The node host: identity + node.json + gateway client + command dispatch.
import { cpus, freemem, loadavg, totalmem, platform as osPlatform } from "node:os";
import { LIMITS } from "../protocol/codes.js";
import { NodeInvokeRequestSchema } from "../protocol/methods.js";
import { validate } from "../protocol/validate.js";
import { createLogger, redact, scrub, type Logger } from "../shared/log.js";
import { handleExecApprovalsLog } from "./exec/audit-log-handler.js";
import { handleExecApprovalsGet, handleExecApprovalsSet, handleSystemRun, handleSystemRunPrepare, handleSystemWhich, type CommandContext, type CommandOutcome } from "./exec/handlers.js";
import { killAllRunning } from "./exec/run-process.js";
import { GatewayClient } from "./gateway-client.js";
import { checkGatewayUrl } from "../shared/gateway-socket.js";
import { INVALID_TLS_FINGERPRINT, normalizeTlsFingerprint } from "../shared/tls-fingerprint.js";
import { loadOrCreateIdentity } from "./identity.js";
import { readNodeConfig, resolveNodeConfig, writeNodeConfig, type NodeConfig, type RunOverrides } from "./node-config.js";
import { writeNodeStatus, type NodeRunState, type NodeStatusFile } from "./status-file.js";
import { join as joinPath } from "node:path";
import { loadConfig } from "../shared/config.js";
import { configPath as defaultConfigPath } from "../shared/paths.js";
import { browserProxyAdvertised } from "./browser/settings.js";
import type { BrowserService } from "./browser/service.js";

type Handler = (params: unknown, ctx: CommandContext) => Promise<CommandOutcome>;

const HANDLERS: Record<string, Handler> = {
  "system.run": handleSystemRun,
  "system.run.prepare": handleSystemRunPrepare,
  "system.which": handleSystemWhich,
  "system.execApprovals.get": handleExecApprovalsGet,
  "system.execApprovals.set": handleExecApprovalsSet,
  "system.execApprovals.log": handleExecApprovalsLog,
};

export const NODE_CAPS = ["system"];
export const NODE_COMMANDS = Object.keys(HANDLERS).sort();
/** Added to caps/commands when the node's config enables the browser proxy (node-host.md §11.1). */
export const BROWSER_CAP = "browser";
export const BROWSER_PROXY_COMMAND = "browser.proxy";

export interface NodeHostOptions extends RunOverrides {
  stateDir: string;
  env?: NodeJS.ProcessEnv;
  /** Join code (base64url JSON {url, bootstrapToken, expiresAtMs}) or its oc-pair:// link. */
  pair?: string;
  log?: Logger;
  onFatal?(message: string): void;
  reconnect?: { initialMs: number; maxMs: number };
  pairingRetry?: { initialMs: number; maxMs: number };
  /** Keep <stateDir>/node-status.json up to date for `openclaw node status` (default true). */
  statusFile?: boolean;
  /** The node machine's openclaw.json (default: $OPENCLAW_CONFIG_PATH, else <stateDir>/openclaw.json). */
  configPath?: string;
  /** Exit (onFatal) after this long without connection progress (default 10 min, env OPENCLAW_NODE_WATCHDOG_MS; 0 = off). */
  watchdogMs?: number;
  /** Results that could not be delivered, kept for re-sending after a reconnect (default 100 for 10 min). */
  undelivered?: { max?: number; ttlMs?: number };
}

interface UndeliveredResult {
  params: Record<string, unknown>;
  command: string;
  at: number;
}

export interface JoinCode {
  url: string;
  bootstrapToken: string;
  expiresAtMs?: number;
  /** The gateway certificate's SHA-256 pin (normalised), for a wss:// url. */
  tlsFingerprint?: string;
}

export class JoinCodeError extends Error {
  override name = "JoinCodeError";
}

export function decodeJoinCode(code: string): JoinCode {
  const text = code.trim().replace(/^oc-pair:\/\//, "");
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    throw new JoinCodeError("the join code is not valid (expected the code printed by `openclaw nodes join-code`)");
  }
  const p = parsed as Partial<JoinCode>;
  if (!p || typeof p.url !== "string" || typeof p.bootstrapToken !== "string") {
    throw new JoinCodeError("the join code is not valid (it has no gateway url or token)");
  }
  if (typeof p.expiresAtMs === "number" && p.expiresAtMs < Date.now()) {
    throw new JoinCodeError("the join code has expired (codes live 10 minutes); mint a new one with `openclaw nodes join-code`");
  }
  let tlsFingerprint: string | undefined;
  if (typeof p.tlsFingerprint === "string" && p.tlsFingerprint) {
    tlsFingerprint = normalizeTlsFingerprint(p.tlsFingerprint);
    if (!tlsFingerprint) throw new JoinCodeError(`the join code carries an invalid TLS fingerprint: ${INVALID_TLS_FINGERPRINT}`);
  }
  return {
    url: p.url,
    bootstrapToken: p.bootstrapToken,
    ...(typeof p.expiresAtMs === "number" ? { expiresAtMs: p.expiresAtMs } : {}),
    ...(tlsFingerprint ? { tlsFingerprint } : {}),
  };
}

function nodePlatform(): { platform: string; deviceFamily: string } {
  switch (osPlatform()) {
    case "darwin":
      return { platform: "macos", deviceFamily: "Mac" };
    case "win32":
      return { platform: "windows", deviceFamily: "Windows" };
    default:
      return { platform: "linux", deviceFamily: "Linux" };
  }
}

function watchdogFromEnv(v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === "") return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

export function gatewayUrl(cfg: NodeConfig): string {
  const host = cfg.gateway.host.includes(":") && !cfg.gateway.host.startsWith("[") ? `[${cfg.gateway.host}]` : cfg.gateway.host;
  return `${cfg.gateway.tls ? "wss" : "ws"}://${host}:${cfg.gateway.port}`;
}

export class NodeHost {
  readonly config: NodeConfig;
  readonly deviceId: string;
  private readonly client: GatewayClient;
  private readonly log: Logger;
  private readonly env: NodeJS.ProcessEnv;
  private readonly inflight = new Map<string, AbortController>();
  /** Results whose delivery failed because the socket dropped, by invoke id (re-sent after reconnect). */
  private readonly undelivered = new Map<string, UndeliveredResult>();
  private statsTimer: NodeJS.Timeout | undefined;
  private connectedWaiters: (() => void)[] = [];
  readonly configPath: string;
  /** Evaluated once at start-up: caps/commands cannot change without a reconnect. */
  readonly browserProxyAdvertised: boolean;
  readonly caps: string[];
  readonly commands: string[];
  private browser: BrowserService | undefined;
  private browserModule: Promise<typeof import("./browser/proxy.js")> | undefined;

  constructor(private readonly opts: NodeHostOptions) {
    this.env = opts.env ?? process.env;
    this.log = opts.log ?? createLogger("[node]");
    this.configPath = opts.configPath ?? (this.env.OPENCLAW_CONFIG_PATH?.trim() ? defaultConfigPath(this.env) : joinPath(opts.stateDir, "openclaw.json"));
    let advertised = false;
    try {
      advertised = browserProxyAdvertised(loadConfig(this.configPath));
    } catch (err) {
      this.log.warn(`browser proxy not offered: ${(err as Error).message}`);
    }
    this.browserProxyAdvertised = advertised;
    this.caps = advertised ? [...NODE_CAPS, BROWSER_CAP] : [...NODE_CAPS];
    this.commands = (advertised ? [...NODE_COMMANDS, BROWSER_PROXY_COMMAND] : [...NODE_COMMANDS]).sort();
    const join = opts.pair ? decodeJoinCode(opts.pair) : undefined;
    const overrides: RunOverrides = { ...opts };
    if (join) {
      const u = new URL(join.url);
      overrides.host ??= u.hostname.replace(/^\[|\]$/g, "");
      overrides.port ??= Number(u.port || (u.protocol === "wss:" ? 443 : 80));
      overrides.tls ??= u.protocol === "wss:";
      if (join.tlsFingerprint && overrides.tls) overrides.tlsFingerprint ??= join.tlsFingerprint;
    }
    const saved = readNodeConfig(opts.stateDir);
    this.config = resolveNodeConfig(saved, overrides);
    // refuse a plain ws:// url to a non-loopback host, a pin without TLS, an unusable pin — before
    // anything is saved or sent (node-host.md §12 item 25)
    checkGatewayUrl(gatewayUrl(this.config), this.config.gateway.tlsFingerprint, this.env);
    const { identity, created } = loadOrCreateIdentity(opts.stateDir);
    if (created) this.log.info(`created device identity ${identity.deviceId}`);
    this.deviceId = identity.deviceId;
    writeNodeConfig(opts.stateDir, this.config);

    const token = this.env.OPENCLAW_GATEWAY_TOKEN?.trim() || undefined;
    const password = this.env.OPENCLAW_GATEWAY_PASSWORD?.trim() || undefined;
    redact(token);
    redact(password);
    redact(this.config.token);
    redact(join?.bootstrapToken);
    const { platform, deviceFamily } = nodePlatform();
    this.client = new GatewayClient({
      url: gatewayUrl(this.config),
      ...(this.config.gateway.tlsFingerprint ? { tlsFingerprint: this.config.gateway.tlsFingerprint } : {}),
      env: this.env,
      identity,
      client: { displayName: this.config.displayName, instanceId: this.config.nodeId, platform, deviceFamily },
      caps: this.caps,
      commands: this.commands,
      pathEnv: this.env.PATH ?? "",
      ...(token ? { token } : {}),
      ...(password ? { password } : {}),
      ...(join ? { bootstrapToken: join.bootstrapToken } : {}),
      getDeviceToken: () => this.config.token,
      setDeviceToken: (t) => {
        if (t === this.config.token) return;
        if (t) {
          redact(t);
          this.config.token = t;
        } else delete this.config.token;
        writeNodeConfig(opts.stateDir, this.config);
      },
      log: this.log,
      onEvent: (event, payload) => this.onEvent(event, payload),
      onConnected: () => this.onConnected(),
      onDisconnected: (info) => {
        this.onDisconnected();
        this.setStatus("connecting", { lastError: `gateway closed (${info.code})${info.reason ? `: ${info.reason}` : ""}` });
      },
      onPairingRequired: (requestId) => this.setStatus("pairing", { requestId }),
      onUnreachable: (message) => this.setStatus("connecting", { lastError: `cannot reach the gateway: ${message}` }),
      onFatal: (message) => {
        this.log.error(message);
        this.setStatus("stopped", { lastError: message });
        opts.onFatal?.(message);
      },
      ...(opts.reconnect ? { reconnect: opts.reconnect } : {}),
      ...(opts.pairingRetry ? { pairingRetry: opts.pairingRetry } : {}),
      watchdogMs: opts.watchdogMs ?? watchdogFromEnv(this.env.OPENCLAW_NODE_WATCHDOG_MS),
    });
  }

  /** Invoke ids whose result waits for a reconnect (for tests and status). */
  get undeliveredIds(): string[] {
    return [...this.undelivered.keys()];
  }

  private keepUndelivered(id: string, command: string, params: Record<string, unknown>): void {
    const max = this.opts.undelivered?.max ?? 100;
    this.pruneUndelivered();
    while (this.undelivered.size >= max) {
      const oldest = this.undelivered.keys().next();
      if (oldest.done) break;
      this.log.warn(`dropping the undelivered result of invoke ${oldest.value}: more than ${max} results wait for the gateway`);
      this.undelivered.delete(oldest.value);
    }
    this.undelivered.set(id, { params, command, at: Date.now() });
  }

  private pruneUndelivered(): void {
    const ttl = this.opts.undelivered?.ttlMs ?? 600_000;
    for (const [id, u] of this.undelivered) {
      if (Date.now() - u.at > ttl) {
        this.log.warn(`dropping the undelivered result of ${u.command} (${id}): kept ${Math.round(ttl / 1000)} s without a gateway connection`);
        this.undelivered.delete(id);
      }
    }
  }

  /** After a reconnect: tell the gateway which invokes are still ours, then re-send the kept results. */
  private async resumeInvokes(): Promise<void> {
    this.pruneUndelivered();
    const ids = [...this.inflight.keys(), ...this.undelivered.keys()];
    try {
      await this.client.request("node.event", { event: "node.invoke.inflight", payloadJSON: JSON.stringify({ ids }) });
    } catch (err) {
      this.log.debug(`node.invoke.inflight not delivered: ${(err as Error).message}`);
    }
    for (const [id, u] of [...this.undelivered]) {
      if (!this.client.isConnected) return;
      try {
        await this.client.request("node.invoke.result", u.params);
        this.undelivered.delete(id);
        this.log.info(`delivered the kept result of ${u.command} (${id}) after reconnecting`);
      } catch (err) {
        if ((err as { code?: unknown }).code !== undefined) this.undelivered.delete(id); // the gateway answered: not a transport problem
        this.log.debug(`kept result ${id} not delivered: ${(err as Error).message}`);
      }
    }
  }

  get url(): string {
    return gatewayUrl(this.config);
  }

  get isConnected(): boolean {
    return this.client.isConnected;
  }

  start(): void {
    const pin = this.config.gateway.tlsFingerprint;
    this.log.info(`node ${this.config.displayName} (${this.deviceId.slice(0, 12)}) connecting to ${this.url}${pin ? ` (certificate pinned: sha256 ${pin})` : this.config.gateway.tls ? " (certificate verified against the system CAs)" : ""}`);
    this.setStatus("connecting");
    this.client.start();
  }

  private status: NodeStatusFile | undefined;
  private everConnected = false;

  /** Writes node-status.json when the state (or its detail) changed; never throws. */
  private setStatus(state: NodeRunState, extra: { lastError?: string; requestId?: string } = {}): void {
    if (this.opts.statusFile === false) return;
    const paired = this.everConnected || Boolean(this.config.token);
    const prev = this.status;
    if (prev && prev.state === state && prev.paired === paired && prev.lastError === extra.lastError && prev.requestId === extra.requestId) return;
    const next: NodeStatusFile = {
      pid: process.pid,
      state,
      paired,
      gateway: this.url,
      deviceId: this.deviceId,
      updatedAt: new Date().toISOString(),
      ...(extra.lastError ? { lastError: scrub(extra.lastError) } : {}),
      ...(extra.requestId ? { requestId: extra.requestId } : {}),
    };
    this.status = next;
    try {
      writeNodeStatus(this.opts.stateDir, next);
    } catch (err) {
      this.log.debug(`could not write node-status.json: ${(err as Error).message}`);
    }
  }

  /** Resolves once the node is connected (admitted) to the gateway. */
  waitConnected(): Promise<void> {
    if (this.client.isConnected) return Promise.resolve();
    return new Promise((resolve) => this.connectedWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    if (this.statsTimer) clearInterval(this.statsTimer);
    for (const c of this.inflight.values()) c.abort();
    killAllRunning();
    await Promise.all([this.client.stop(), this.browser?.stopAll()]);
    if (this.status && this.status.state !== "stopped") this.setStatus("stopped");
  }

  private onConnected(): void {
    this.everConnected = true;
    this.setStatus("connected");
    this.log.info(`connected to ${this.url} as ${this.config.displayName}`);
    for (const w of this.connectedWaiters.splice(0)) w();
    void this.resumeInvokes();
    void this.publishStats();
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.statsTimer = setInterval(() => void this.publishStats(), 60_000);
    this.statsTimer.unref();
  }

  private onDisconnected(): void {
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.statsTimer = undefined;
  }

  private async publishStats(): Promise<void> {
    const stats = {
      cpuCount: Math.max(1, cpus().length),
      loadAverage: loadavg().map((n) => Math.round(n * 100) / 100),
      memoryTotalBytes: totalmem(),
      memoryFreeBytes: Math.min(freemem(), totalmem()),
    };
    // A gateway may refuse the first publication right after an approval ("pairing changed", retryable);
    // retry a few times (250 ms doubling) instead of waiting for the next minute.
    for (let attempt = 0; attempt < 4; attempt++) {
      try {
        await this.client.request("node.event", { event: "node.host.stats", payloadJSON: JSON.stringify(stats) });
        return;
      } catch (err) {
        this.log.debug(`stats publish failed: ${(err as Error).message}`);
        if (!this.client.isConnected || /unknown method/.test((err as Error).message)) return;
        await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
      }
    }
  }

  private onEvent(event: string, payload: unknown): void {
    if (event === "node.invoke.request") {
      void this.onInvoke(payload);
      return;
    }
    if (event === "node.invoke.cancel") {
      const id = (payload as { invokeId?: unknown } | undefined)?.invokeId;
      if (typeof id === "string") this.inflight.get(id)?.abort();
      return;
    }
    if (event === "node.pair.resolved") {
      const d = (payload as { decision?: string } | undefined)?.decision;
      if (d === "approved") this.log.info("the gateway approved this node's commands");
    }
    // tick, shutdown, health and anything else: nothing to do (any frame feeds the tick watchdog)
  }

  /** browser.proxy: the browser module (and playwright-core) load on first use only. */
  private readonly browserProxyHandler: Handler = async (params, ctx) => {
    this.browserModule ??= import("./browser/proxy.js");
    const mod = await this.browserModule;
    return mod.handleBrowserProxy(params, ctx, {
      configPath: this.configPath,
      service: () => (this.browser ??= new mod.BrowserService(this.opts.stateDir, this.env, this.log)),
    });
  };

  private async onInvoke(payload: unknown): Promise<void> {
    const v = validate(NodeInvokeRequestSchema, payload);
    if (!v.ok) {
      this.log.debug(`ignored a malformed node.invoke.request: ${v.message}`);
      return;
    }
    const req = v.value;
    const reply = async (outcome: CommandOutcome) => {
      const params = outcome.ok
        ? { id: req.id, nodeId: req.nodeId, ok: true, payloadJSON: JSON.stringify(outcome.payload) }
        : { id: req.id, nodeId: req.nodeId, ok: false, error: outcome.error };
      try {
        await this.client.request("node.invoke.result", params);
      } catch (err) {
        // a gateway answer (it has a code) is final; a dropped socket or a lost answer is not: keep the result
        // and send it again, with the same invoke id, once reconnected (the gateway applies it at most once)
        if ((err as { code?: unknown }).code === undefined) {
          this.keepUndelivered(req.id, req.command, params);
          this.log.warn(`could not deliver the result of ${req.command} (${req.id}): ${(err as Error).message}; kept for re-sending after reconnect`);
          if (this.client.isConnected) void this.resumeInvokes();
        } else this.log.warn(`the gateway refused the result of ${req.command} (${req.id}): ${(err as Error).message}`);
      }
    };
    let params: unknown;
    if (typeof req.paramsJSON === "string") {
      try {
        params = JSON.parse(req.paramsJSON);
      } catch (err) {
        await reply({ ok: false, error: { code: "INVALID_REQUEST", message: `paramsJSON is not valid JSON: ${(err as Error).message}` } });
        return;
      }
    } else if (req.params !== undefined) params = req.params;
    const handler = HANDLERS[req.command] ?? (req.command === BROWSER_PROXY_COMMAND && this.browserProxyAdvertised ? this.browserProxyHandler : undefined);
    if (!handler) {
      await reply({ ok: false, error: { code: "UNAVAILABLE", message: "command not supported" } });
      return;
    }
    if (this.inflight.has(req.id)) return; // a duplicate delivery of an invoke already running
    const abort = new AbortController();
    this.inflight.set(req.id, abort);
    try {
      const ctx: CommandContext = {
        stateDir: this.opts.stateDir,
        hostEnv: this.env,
        signal: abort.signal,
        emitEvent: async (ev, p) => {
          try {
            await this.client.request("node.event", { event: ev, payloadJSON: JSON.stringify(p) }, LIMITS.defaultInvokeTimeoutMs);
          } catch (err) {
            this.log.debug(`event ${ev} not delivered: ${(err as Error).message}`);
          }
        },
      };
      let outcome: CommandOutcome;
      try {
        outcome = await handler(params, ctx);
      } catch (err) {
        this.log.error(`${req.command} failed: ${(err as Error).stack ?? String(err)}`);
        outcome = { ok: false, error: { code: "UNAVAILABLE", message: "node invocation failed" } };
      }
      if (abort.signal.aborted && req.command === "system.run") return; // cancelled: the gateway already answered
      await reply(outcome);
    } finally {
      this.inflight.delete(req.id);
    }
  }
}
