// The node as a per-user LaunchAgent (gui/<uid> domain), label NODE_SERVICE.launchdLabel.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../../shared/fs-atomic.js";
import { removeFiles, writeEnvFile, type ManagerDeps } from "./common.js";
import { launchdLogPaths, renderLaunchdPlist } from "./render-launchd.js";
import { parsePlist } from "./plist-parse.js";
import { NODE_SERVICE, ServiceError, describeFailure, type Availability, type InstallResult, type InstalledDefinition, type ServiceDefinition, type ServiceManager, type ServiceRuntime } from "./types.js";

export class LaunchAgentService implements ServiceManager {
  readonly kind = "launchd" as const;
  readonly label = "LaunchAgent";
  readonly name = NODE_SERVICE.launchdLabel;
  readonly definitionPath: string;
  readonly logHint: string;
  private readonly domain: string;
  private readonly target: string;

  constructor(private readonly deps: ManagerDeps) {
    this.definitionPath = join(deps.home, "Library", "LaunchAgents", `${NODE_SERVICE.launchdLabel}.plist`);
    const logs = launchdLogPaths(join(deps.stateDir, "logs"));
    this.logHint = `${logs.out} and ${logs.err}`;
    this.domain = `gui/${deps.uid}`;
    this.target = `${this.domain}/${NODE_SERVICE.launchdLabel}`;
  }

  private launchctl(...args: string[]) {
    return this.deps.run("launchctl", args);
  }

  private async must(...args: string[]): Promise<void> {
    const r = await this.launchctl(...args);
    if (r.code === 0) return;
    const hints = args[0] === "bootstrap" ? ["a LaunchAgent needs the user's GUI login session (log in at the Mac once; an SSH-only session has no gui/<uid> domain)"] : [];
    throw new ServiceError(describeFailure(`launchctl ${args.join(" ")}`, r), hints);
  }

  async available(): Promise<Availability> {
    const r = await this.launchctl("print", this.domain);
    if (r.code === 0) return { ok: true };
    return {
      ok: false,
      detail: r.code === 127 ? "launchctl not found" : `no launchd GUI domain for uid ${this.deps.uid}: ${(r.stderr.trim() || `exit ${r.code}`).split("\n")[0]}`,
      hint: "log in to the Mac's desktop as this user (LaunchAgents live in the GUI session), or run `openclaw node run` under your own supervisor",
    };
  }

  async isInstalled(): Promise<boolean> {
    return existsSync(this.definitionPath);
  }

  private async loaded(): Promise<boolean> {
    return (await this.launchctl("print", this.target)).code === 0;
  }

  async install(def: ServiceDefinition): Promise<InstallResult> {
    const warnings: string[] = [];
    const files: string[] = [];
    mkdirSync(def.logDir, { recursive: true, mode: 0o700 });
    writeEnvFile(def, warnings, files);
    writeFileAtomic(this.definitionPath, renderLaunchdPlist(def), 0o644);
    files.push(this.definitionPath);
    await this.launchctl("bootout", this.target); // an older copy, if loaded
    await this.must("enable", this.target);
    await this.must("bootstrap", this.domain, this.definitionPath);
    await this.must("kickstart", "-k", this.target);
    return { warnings, files };
  }

  async uninstall(): Promise<string[]> {
    const envFile = this.envFileFromPlist();
    await this.launchctl("bootout", this.target);
    return removeFiles([this.definitionPath, ...(envFile ? [envFile] : [])]);
  }

  async start(): Promise<void> {
    if (!(await this.loaded())) {
      await this.must("enable", this.target);
      await this.must("bootstrap", this.domain, this.definitionPath);
    }
    await this.must("kickstart", this.target);
  }

  async stop(): Promise<void> {
    // KeepAlive would respawn a killed process: unload it (RunAtLoad starts it again at next login)
    if (await this.loaded()) await this.must("bootout", this.target);
  }

  async restart(): Promise<void> {
    if (!(await this.loaded())) return this.start();
    await this.must("kickstart", "-k", this.target);
  }

  async runtime(): Promise<ServiceRuntime> {
    const r = await this.launchctl("print", this.target);
    if (r.code === 127) return { status: "unknown", detail: "launchctl not found" };
    if (r.code !== 0) return { status: "stopped", enabled: false, state: "not loaded" };
    const field = (name: string) => new RegExp(`^\\s*${name} = (.+)$`, "m").exec(r.stdout)?.[1]?.trim();
    const state = field("state") ?? "unknown";
    const out: ServiceRuntime = { status: state === "running" ? "running" : "stopped", enabled: true, state };
    const pid = Number(field("pid"));
    if (pid > 0) out.pid = pid;
    const last = field("last exit code");
    if (last && /^-?\d+/.test(last)) {
      out.lastExitStatus = parseInt(last, 10);
      const reason = /:\s*(.+)$/.exec(last)?.[1];
      if (reason) out.lastExitReason = reason;
    }
    return out;
  }

  private envFileFromPlist(): string | undefined {
    const args = this.readDefinition()?.programArguments ?? [];
    const i = args.indexOf("--env-file");
    return i >= 0 ? args[i + 1] : undefined;
  }

  readDefinition(): InstalledDefinition | undefined {
    let text: string;
    try {
      text = readFileSync(this.definitionPath, "utf8");
    } catch {
      return undefined;
    }
    try {
      const p = parsePlist(text) as Record<string, unknown>;
      const args = Array.isArray(p.ProgramArguments) ? p.ProgramArguments.map(String) : [];
      const env = (p.EnvironmentVariables && typeof p.EnvironmentVariables === "object" ? p.EnvironmentVariables : {}) as Record<string, string>;
      const i = args.indexOf("--env-file");
      return {
        programArguments: args,
        ...(typeof p.WorkingDirectory === "string" ? { workingDirectory: p.WorkingDirectory } : {}),
        environment: { ...env },
        ...(i >= 0 && args[i + 1] ? { envFile: args[i + 1]! } : {}),
        sourcePath: this.definitionPath,
      };
    } catch {
      return { programArguments: [], environment: {}, sourcePath: this.definitionPath };
    }
  }
}
