// Builds the platform-neutral ServiceDefinition for `openclaw node install` (pure, given its inputs),
// resolves `--runtime node|bun` to an absolute executable, and picks the manager for a platform.
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, isAbsolute, join, posix, win32 } from "node:path";
import type { NodeConfig } from "../node-config.js";
import { SERVICE_PROXY_VARS, SERVICE_SECRET_VARS } from "./env-file.js";
import type { ManagerDeps } from "./common.js";
import { LaunchAgentService } from "./launchd.js";
import { ScheduledTaskService } from "./schtasks.js";
import { SystemdUserService } from "./systemd.js";
import { NODE_SERVICE, type ServiceDefinition, type ServiceManager } from "./types.js";

export type ServicePlatform = "linux" | "darwin" | "win32";
export type Runtime = "node" | "bun";

export function createServiceManager(platform: ServicePlatform, deps: ManagerDeps): ServiceManager {
  if (platform === "darwin") return new LaunchAgentService(deps);
  if (platform === "win32") return new ScheduledTaskService(deps);
  return new SystemdUserService(deps);
}

export function servicePlatform(p: NodeJS.Platform = process.platform): ServicePlatform | undefined {
  return p === "linux" || p === "darwin" || p === "win32" ? p : undefined;
}

export class RuntimeNotFoundError extends Error {
  override name = "RuntimeNotFoundError";
}

function isExecutableFile(p: string, platform: ServicePlatform): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    if (platform !== "win32") accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `node`/`bun` looked up on PATH (absolute result), or a clear error. */
export function resolveRuntime(runtime: Runtime, o: { pathEnv: string | undefined; platform: ServicePlatform; exists?: (p: string) => boolean }): string {
  const exists = o.exists ?? ((p: string) => isExecutableFile(p, o.platform));
  const names = o.platform === "win32" ? [`${runtime}.exe`, `${runtime}.cmd`] : [runtime];
  const sep = o.platform === "win32" ? ";" : delimiter;
  for (const dir of (o.pathEnv ?? "").split(sep)) {
    if (!dir || !isAbsolute(dir)) continue; // relative PATH entries would change meaning under the service
    for (const n of names) {
      const p = o.platform === "win32" ? `${dir.replace(/[\\/]+$/, "")}\\${n}` : join(dir, n);
      if (exists(p)) return p;
    }
  }
  const how = runtime === "bun" ? "install Bun (https://bun.sh) or use --runtime node" : "install Node.js 20 or newer, or use --runtime bun";
  throw new RuntimeNotFoundError(`--runtime ${runtime}: no \`${runtime}\` executable on PATH; ${how}`);
}

const VERSION_MANAGERS = /[\\/](\.nvm|\.fnm|fnm|\.volta|\.asdf|\.nodenv|\.nodebrew|\.nvs|n[\\/]versions)[\\/]/;

/** A runtime inside a version manager's folder disappears when that version is removed or switched. */
export function versionManagerWarning(runtimePath: string): string | undefined {
  if (!VERSION_MANAGERS.test(runtimePath)) return undefined;
  return `the runtime ${runtimePath} belongs to a Node version manager: the service breaks when that version is uninstalled; prefer a system-wide install (e.g. /usr/bin/node) and reinstall with --force`;
}

/** `node run …` arguments: the gateway endpoint always; node id / display name only when given to install. */
export function nodeRunArgs(cfg: NodeConfig, given: { nodeId?: string; displayName?: string }, envFile?: string): string[] {
  const args = ["node", "run"];
  if (envFile) args.push("--env-file", envFile);
  args.push("--host", cfg.gateway.host, "--port", String(cfg.gateway.port));
  if (cfg.gateway.tls) args.push("--tls");
  if (cfg.gateway.tlsFingerprint) args.push("--tls-fingerprint", cfg.gateway.tlsFingerprint);
  if (given.nodeId) args.push("--node-id", given.nodeId);
  if (given.displayName) args.push("--display-name", given.displayName);
  return args;
}

export interface DefinitionInput {
  platform: ServicePlatform;
  runtimePath: string;
  /** Absolute path of the compiled CLI (dist/src/cli/main.js). */
  entryScript: string;
  cfg: NodeConfig;
  given: { nodeId?: string; displayName?: string };
  home: string;
  stateDir: string;
  env: NodeJS.ProcessEnv;
  version: string;
}

function servicePath(i: DefinitionInput): string | undefined {
  if (i.platform === "win32") return undefined; // the task inherits the user's PATH
  const { dirname, join } = posix;
  const dirs = [dirname(i.runtimePath), join(i.home, ".local", "bin"), join(i.home, "bin")];
  if (i.platform === "darwin") dirs.push("/opt/homebrew/bin");
  dirs.push("/usr/local/bin", "/usr/bin", "/bin");
  if (i.platform === "darwin") dirs.push("/usr/sbin", "/sbin");
  return [...new Set(dirs)].join(":");
}

export function buildServiceDefinition(i: DefinitionInput): ServiceDefinition {
  const path = i.platform === "win32" ? win32 : posix;
  const envFilePath = path.join(i.stateDir, NODE_SERVICE.envFileName);
  // systemd reads the env file itself (EnvironmentFile=); launchd and Task Scheduler cannot, so
  // `node run --env-file` loads it
  const argv = [i.runtimePath, i.entryScript, ...nodeRunArgs(i.cfg, i.given, i.platform === "linux" ? undefined : envFilePath)];
  const environment: Record<string, string> = {};
  if (i.platform !== "win32") environment.HOME = i.home;
  const pathEnv = servicePath(i);
  if (pathEnv) environment.PATH = pathEnv;
  // the service uses exactly the state dir (and config) install wrote node.json into
  environment.OPENCLAW_STATE_DIR = i.stateDir;
  const config = i.env.OPENCLAW_CONFIG_PATH?.trim();
  if (config) environment.OPENCLAW_CONFIG_PATH = config;
  environment.OPENCLAW_SERVICE_KIND = "node";
  environment.OPENCLAW_SERVICE_VERSION = i.version;
  const secrets: Record<string, string> = {};
  for (const k of [...SERVICE_SECRET_VARS, ...SERVICE_PROXY_VARS]) {
    const v = i.env[k]?.trim();
    if (v) secrets[k] = v;
  }
  return {
    description: `OpenClaw Node Host (openclaw-lite v${i.version})`,
    programArguments: argv,
    workingDirectory: i.home,
    environment,
    secrets,
    envFilePath,
    logDir: path.join(i.stateDir, "logs"),
  };
}
