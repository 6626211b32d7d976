// `openclaw node install | status | start | stop | restart | uninstall` (node-host.md §6, user-asks.md
// rows 18–22). The commands work on a ServiceManager (systemd user unit, LaunchAgent, Scheduled Task)
// whose external commands are injected, so every path here is tested without a real init system.
import { execFile } from "node:child_process";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { userInfo } from "node:os";
import { fileURLToPath } from "node:url";
import { LITE_VERSION } from "../../protocol/codes.js";
import { ConfigError, configGet, loadConfig } from "../../shared/config.js";
import { GatewayTransportError, checkGatewayUrl } from "../../shared/gateway-socket.js";
import { configPath, homeDir, stateDir as defaultStateDir } from "../../shared/paths.js";
import { IdentityError, loadOrCreateIdentity } from "../../node-host/identity.js";
import { NodeConfigError, nodeConfigPath, readNodeConfig, resolveNodeConfig, writeNodeConfig, type RunOverrides } from "../../node-host/node-config.js";
import { gatewayUrl } from "../../node-host/node-host.js";
import { nodeStatusPath, readNodeStatus } from "../../node-host/status-file.js";
import { EnvFileError, parseEnvFile } from "../../node-host/service/env-file.js";
import { UnitRenderError } from "../../node-host/service/render-systemd.js";
import { buildServiceDefinition, createServiceManager, resolveRuntime, RuntimeNotFoundError, servicePlatform, versionManagerWarning, type Runtime, type ServicePlatform } from "../../node-host/service/definition.js";
import { ServiceError, type CommandRunner, type ServiceManager } from "../../node-host/service/types.js";
import { ago, printJson } from "../output.js";
import { UserError } from "../errors.js";
import { nodeTlsFlags, type NodeRunFlags } from "./node.js";

export interface ServiceContext {
  platform: ServicePlatform;
  manager: ServiceManager;
  stateDir: string;
  home: string;
  env: NodeJS.ProcessEnv;
  /** Absolute path of the compiled CLI the service runs (dist/src/cli/main.js). */
  entryScript: string;
  version: string;
}

/** `node run`'s connection flags, plus what only an install has. */
export interface InstallFlags extends Pick<NodeRunFlags, "host" | "port" | "tls" | "tlsFingerprint" | "nodeId" | "displayName"> {
  runtime?: string;
  force?: boolean;
  json?: boolean;
}

export interface Outcome {
  code: number;
  json: Record<string, unknown>;
  /** Text mode: data for stdout (status) and talk for stderr (everything else). */
  stdout: string;
  stderr: string;
}

export type ServiceAction = "install" | "status" | "start" | "stop" | "restart" | "uninstall";

/** A real command runner: no shell, 60 s timeout, no console window on Windows; ENOENT → code 127. */
export const execRunner: CommandRunner = (file, args) =>
  new Promise((resolve) => {
    execFile(file, args, { timeout: 60_000, windowsHide: true, encoding: "utf8", maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
      if (!err) return resolve({ code: 0, stdout, stderr });
      const e = err as NodeJS.ErrnoException & { code?: string | number };
      if (e.code === "ENOENT") return resolve({ code: 127, stdout: "", stderr: `${file}: command not found` });
      resolve({ code: typeof e.code === "number" ? e.code : 1, stdout: stdout ?? "", stderr: stderr || e.message });
    });
  });

export function realContext(env: NodeJS.ProcessEnv = process.env, run: CommandRunner = execRunner): ServiceContext {
  const platform = servicePlatform();
  if (!platform) throw new UserError(`node services are supported on Linux (systemd), macOS (launchd) and Windows (Task Scheduler), not ${process.platform}; run \`openclaw node run\` under your own supervisor`);
  const home = homeDir(env);
  const stateDir = defaultStateDir(env);
  const info = userInfo();
  const entry = fileURLToPath(new URL("../main.js", import.meta.url));
  return {
    platform,
    manager: createServiceManager(platform, { run, home, stateDir, user: env.USER?.trim() || info.username, uid: info.uid, env }),
    stateDir,
    home,
    env,
    entryScript: existsSync(entry) ? realpathSync(entry) : entry,
    version: LITE_VERSION,
  };
}

function fail(action: ServiceAction, err: unknown): Outcome {
  const known = [ServiceError, UserError, RuntimeNotFoundError, GatewayTransportError, ConfigError, NodeConfigError, IdentityError, UnitRenderError, EnvFileError].some((k) => err instanceof k);
  if (!known) throw err;
  const e = err as Error;
  const hints = err instanceof ServiceError ? err.hints : [];
  const label = action[0]!.toUpperCase() + action.slice(1);
  return {
    code: 1,
    json: { action, ok: false, error: e.message, ...(hints.length ? { hints } : {}) },
    stdout: "",
    stderr: [`Node ${label.toLowerCase()} failed: ${e.message}`, ...hints.map((h) => `  ${h}`)].join("\n") + "\n",
  };
}

function serviceSummary(m: ServiceManager) {
  return { kind: m.kind, label: m.label, name: m.name, path: m.definitionPath };
}

function parseInstallPort(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isInteger(n) || n < 1 || n > 65535) throw new UserError("Invalid --port. Use a port number from 1 to 65535, for example 18789.");
  return n;
}

export async function installAction(ctx: ServiceContext, flags: InstallFlags): Promise<Outcome> {
  const m = ctx.manager;
  try {
    if (ctx.env.OPENCLAW_NIX_MODE === "1") throw new UserError("Nix mode detected; service install is disabled.");
    const runtime = (flags.runtime ?? "node") as Runtime;
    if (runtime !== "node" && runtime !== "bun") throw new UserError('Invalid --runtime (use "node" or "bun")');
    const port = parseInstallPort(flags.port);
    const tls = nodeTlsFlags(flags);
    const avail = await m.available();
    if (!avail.ok) {
      const runCmd = ["openclaw node run", `--host ${flags.host?.trim() || "<gateway host>"}`, `--port ${port ?? "<port>"}`, tls.tls ? "--tls" : "", tls.tlsFingerprint ? `--tls-fingerprint ${tls.tlsFingerprint}` : ""].filter(Boolean).join(" ");
      throw new ServiceError(avail.detail ?? `${m.label} unavailable`, [...(avail.hint ? [avail.hint] : []), `for example: ${runCmd}`]);
    }
    if ((await m.isInstalled()) && !flags.force) {
      throw new ServiceError(`the node service is already installed (${m.definitionPath}); to replace it, run again with --force`, ["openclaw node install --force"]);
    }
    const runtimePath = resolveRuntime(runtime, { pathEnv: ctx.env.PATH ?? ctx.env.Path, platform: ctx.platform });

    // 1. node.json (and the device identity), exactly as `node run` would resolve them
    const overrides: RunOverrides = {
      ...(flags.host?.trim() ? { host: flags.host.trim() } : {}),
      ...(port !== undefined ? { port } : {}),
      ...(flags.nodeId?.trim() ? { nodeId: flags.nodeId.trim() } : {}),
      ...(flags.displayName?.trim() ? { displayName: flags.displayName.trim() } : {}),
      ...tls,
    };
    if (configGet(loadConfig(configPath(ctx.env)), "gateway.tls.enabled") === true) overrides.configTls = true;
    const cfg = resolveNodeConfig(readNodeConfig(ctx.stateDir), overrides);
    checkGatewayUrl(gatewayUrl(cfg), cfg.gateway.tlsFingerprint, ctx.env); // refuse now, not in a crash loop
    loadOrCreateIdentity(ctx.stateDir);
    writeNodeConfig(ctx.stateDir, cfg);

    // 2. the service definition, 3. enable and start it
    const def = buildServiceDefinition({
      platform: ctx.platform,
      runtimePath,
      entryScript: ctx.entryScript,
      cfg,
      given: { ...(overrides.nodeId ? { nodeId: overrides.nodeId } : {}), ...(overrides.displayName ? { displayName: overrides.displayName } : {}) },
      home: ctx.home,
      stateDir: ctx.stateDir,
      env: ctx.env,
      version: ctx.version,
    });
    const res = await m.install(def);
    const warnings = [...res.warnings];
    const vm = versionManagerWarning(runtimePath);
    if (vm) warnings.push(vm);
    const hasSecret = Boolean(def.secrets.OPENCLAW_GATEWAY_TOKEN || def.secrets.OPENCLAW_GATEWAY_PASSWORD) || existsSync(def.envFilePath);
    if (!hasSecret && !cfg.token) {
      warnings.push(
        "no credentials: OPENCLAW_GATEWAY_TOKEN/OPENCLAW_GATEWAY_PASSWORD were not set and this node holds no device token, so a gateway that requires auth will refuse it. " +
          "Set the variable and run `openclaw node install --force`, or pair once with `openclaw node run --pair <code>` before installing",
      );
    }
    const credentials = existsSync(def.envFilePath) ? def.envFilePath : null;
    const json = {
      action: "install",
      ok: true,
      result: "installed",
      service: serviceSummary(m),
      runtime: runtimePath,
      programArguments: def.programArguments,
      nodeConfig: nodeConfigPath(ctx.stateDir),
      envFile: credentials,
      gateway: gatewayUrl(cfg),
      logs: m.logHint,
      warnings,
    };
    const text = [
      `Wrote ${nodeConfigPath(ctx.stateDir)}`,
      `Installed ${m.label}: ${m.definitionPath}`,
      ...(credentials ? [`Credentials: ${credentials} (mode 0600; not in the ${m.label} or on the command line)`] : []),
      `Started ${m.name}; it connects to ${gatewayUrl(cfg)}`,
      `Check it with: openclaw node status`,
      ...warnings.map((w) => `warning: ${w}`),
    ];
    return { code: 0, json, stdout: "", stderr: text.join("\n") + "\n" };
  } catch (err) {
    return fail("install", err);
  }
}

function credentialSource(ctx: ServiceContext, envFile: string | undefined, deviceToken: boolean): { source: "env-file" | "device-token" | "none"; envFile: string | null; deviceToken: boolean } {
  let fileHas = false;
  if (envFile) {
    try {
      const vars = parseEnvFile(readFileSync(envFile, "utf8"));
      fileHas = Boolean(vars.OPENCLAW_GATEWAY_TOKEN || vars.OPENCLAW_GATEWAY_PASSWORD);
    } catch {
      // missing or unreadable: not a credential source
    }
  }
  return { source: fileHas ? "env-file" : deviceToken ? "device-token" : "none", envFile: fileHas ? envFile! : null, deviceToken };
}

export async function statusAction(ctx: ServiceContext): Promise<Outcome> {
  const m = ctx.manager;
  const installed = await m.isInstalled();
  const avail = await m.available();
  const rt = avail.ok ? await m.runtime() : { status: "unknown" as const, detail: avail.detail };
  const def = installed ? m.readDefinition() : undefined;
  let cfg: ReturnType<typeof readNodeConfig>;
  try {
    cfg = readNodeConfig(ctx.stateDir);
  } catch {
    cfg = undefined;
  }
  const st = readNodeStatus(ctx.stateDir);
  const envFile = def?.envFile ?? join(ctx.stateDir, "node.env");
  const creds = credentialSource(ctx, envFile, Boolean(cfg?.token));
  const json = {
    service: {
      ...serviceSummary(m),
      installed,
      available: avail.ok,
      detail: (avail.ok ? rt.detail : avail.detail) ?? null,
      enabled: rt.enabled ?? null,
      running: rt.status === "unknown" ? null : rt.status === "running",
      pid: rt.pid ?? null,
      state: rt.state ?? null,
      lastExitStatus: rt.lastExitStatus ?? null,
      lastExitReason: rt.lastExitReason ?? null,
      linger: rt.linger ?? null,
    },
    command: def ? { programArguments: def.programArguments, workingDirectory: def.workingDirectory ?? null, envFile: def.envFile ?? null } : null,
    gateway: cfg ? { url: gatewayUrl(cfg), tls: cfg.gateway.tls, tlsFingerprint: cfg.gateway.tlsFingerprint ?? null } : null,
    node: {
      state: st?.state ?? "unknown",
      connected: st?.state === "connected",
      paired: st?.paired ?? Boolean(cfg?.token),
      pid: st && !st.stale && st.state !== "stopped" ? st.pid : null,
      updatedAt: st?.updatedAt || null,
      lastError: st?.lastError ?? null,
      pairingRequestId: st?.requestId ?? null,
      statusFile: nodeStatusPath(ctx.stateDir),
    },
    credentials: creds,
    nodeConfig: nodeConfigPath(ctx.stateDir),
    logs: m.logHint,
  };
  const lines: string[] = [];
  if (!installed) {
    lines.push(`Service:     not installed (${m.label} ${m.name})`);
    if (!avail.ok) lines.push(`             ${avail.detail}`);
    lines.push("Install with: openclaw node install");
  } else {
    const s = json.service;
    lines.push(`Service:     ${m.label} ${m.name} (installed${s.enabled === true ? ", enabled" : s.enabled === false ? ", not enabled" : ""})`);
    lines.push(`Definition:  ${m.definitionPath}`);
    const facts = [s.pid ? `pid ${s.pid}` : "", s.state ?? "", s.lastExitStatus !== null ? `last exit ${s.lastExitStatus}${s.lastExitReason ? ` (${s.lastExitReason})` : ""}` : ""].filter(Boolean);
    lines.push(`Runtime:     ${s.running === null ? "unknown" : s.running ? "running" : "not running"}${facts.length ? ` (${facts.join(", ")})` : ""}`);
    if (s.detail) lines.push(`             ${s.detail}`);
    if (def) lines.push(`Command:     ${def.programArguments.join(" ")}`);
  }
  lines.push(`Gateway:     ${json.gateway ? json.gateway.url + (json.gateway.tlsFingerprint ? ` (pinned sha256 ${json.gateway.tlsFingerprint.slice(0, 16)}…)` : "") : "none yet (no node.json)"}`);
  const n = json.node;
  const when = st?.updatedAt ? `, updated ${ago(Date.parse(st.updatedAt))}` : "";
  lines.push(`Node:        ${n.state === "unknown" ? "never ran (no node-status.json)" : `${n.state}${n.state === "pairing" && n.pairingRequestId ? ` (approve with: openclaw nodes approve ${n.pairingRequestId})` : ""}, ${n.paired ? "paired" : "not paired"}${n.pid ? ` (pid ${n.pid}${when})` : when ? ` (${when.slice(2)})` : ""}`}`);
  if (n.lastError) lines.push(`Last error:  ${n.lastError}`);
  lines.push(`Credentials: ${creds.source === "env-file" ? `env file ${creds.envFile} (0600)` : creds.source === "device-token" ? "device token in node.json" : "none"}`);
  if (json.service.linger === false) lines.push(`Linger:      off: the service stops at logout. Run: sudo loginctl enable-linger ${userInfoName(ctx)}`);
  lines.push(`Logs:        ${m.logHint}`);
  return { code: 0, json, stdout: lines.join("\n") + "\n", stderr: "" };
}

function userInfoName(ctx: ServiceContext): string {
  return ctx.env.USER?.trim() || userInfo().username;
}

export async function lifecycleAction(ctx: ServiceContext, action: "start" | "stop" | "restart" | "uninstall"): Promise<Outcome> {
  const m = ctx.manager;
  try {
    const installed = await m.isInstalled();
    if (!installed) {
      if (action === "start" || action === "restart") {
        throw new ServiceError(`the node service is not installed (no ${m.definitionPath})`, ["install it with: openclaw node install --host <gateway host> --port <port>"]);
      }
      return {
        code: 0,
        json: { action, ok: true, result: "not-installed", service: serviceSummary(m) },
        stdout: "",
        stderr: `The node service is not installed; nothing to ${action === "stop" ? "stop" : "remove"}.\n`,
      };
    }
    if (action === "uninstall") {
      const removed = await m.uninstall();
      const kept = [nodeConfigPath(ctx.stateDir), join(ctx.stateDir, "identity")].filter((p) => existsSync(p));
      const text = [
        `Removed ${m.label} ${m.name}${removed.length ? `: ${removed.join(", ")}` : ""}`,
        ...(kept.length ? [`Kept ${kept.join(" and ")} (this node's id, gateway and pairing): \`openclaw node install\` or \`node run\` reuse them; delete them to forget this node.`] : []),
      ];
      return { code: 0, json: { action, ok: true, result: "uninstalled", service: serviceSummary(m), removed, kept }, stdout: "", stderr: text.join("\n") + "\n" };
    }
    await m[action]();
    const result = action === "start" ? "started" : action === "stop" ? "stopped" : "restarted";
    return { code: 0, json: { action, ok: true, result, service: serviceSummary(m) }, stdout: "", stderr: `${result[0]!.toUpperCase()}${result.slice(1)} ${m.label} ${m.name}\n` };
  } catch (err) {
    return fail(action, err);
  }
}

/** Entry point from main.ts. */
export async function nodeService(action: ServiceAction, flags: InstallFlags): Promise<number> {
  let outcome: Outcome;
  try {
    const ctx = realContext();
    outcome = action === "install" ? await installAction(ctx, flags) : action === "status" ? await statusAction(ctx) : await lifecycleAction(ctx, action);
  } catch (err) {
    outcome = fail(action, err);
  }
  if (flags.json) printJson(outcome.json);
  else {
    if (outcome.stdout) process.stdout.write(outcome.stdout);
    if (outcome.stderr) process.stderr.write(outcome.stderr);
  }
  return outcome.code;
}
