// The node as a systemd *user* service. Every systemctl call names NODE_SERVICE.systemdUnit — the
// seed enabled the gateway's unit here (user-asks.md row 18); the tests pin each argv.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../../shared/fs-atomic.js";
import { removeFiles, writeEnvFile, type ManagerDeps } from "./common.js";
import { parseSystemdUnit, renderSystemdUnit } from "./render-systemd.js";
import { NODE_SERVICE, ServiceError, describeFailure, type Availability, type InstallResult, type InstalledDefinition, type ServiceDefinition, type ServiceManager, type ServiceRuntime } from "./types.js";

export function systemdUserUnitDir(home: string, env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_CONFIG_HOME?.trim();
  return join(xdg && xdg.startsWith("/") ? xdg : join(home, ".config"), "systemd", "user");
}

export function parseShow(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const i = line.indexOf("=");
    if (i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

const EXIT_CODES: Record<string, string> = { "1": "exited", "2": "killed", "3": "dumped" };

export class SystemdUserService implements ServiceManager {
  readonly kind = "systemd" as const;
  readonly label = "systemd user unit";
  readonly name = NODE_SERVICE.systemdUnit;
  readonly definitionPath: string;
  readonly logHint = `journalctl --user -u ${NODE_SERVICE.systemdUnit} -n 200 --no-pager`;

  constructor(private readonly deps: ManagerDeps) {
    this.definitionPath = join(systemdUserUnitDir(deps.home, deps.env), NODE_SERVICE.systemdUnit);
  }

  private systemctl(...args: string[]) {
    return this.deps.run("systemctl", ["--user", ...args]);
  }

  private async must(...args: string[]): Promise<void> {
    const r = await this.systemctl(...args);
    if (r.code !== 0) throw new ServiceError(describeFailure(`systemctl --user ${args.join(" ")}`, r), [`logs: ${this.logHint}`]);
  }

  async available(): Promise<Availability> {
    const r = await this.systemctl("show-environment");
    if (r.code === 0) return { ok: true };
    const detail = r.code === 127 ? "systemctl not found (no systemd on this machine)" : (r.stderr.trim() || r.stdout.trim() || `exit ${r.code}`).split("\n")[0]!;
    return {
      ok: false,
      detail: `systemctl --user is unavailable: ${detail}`,
      hint:
        "systemd user services need a user manager and session bus, which containers and root shells without a login session (sudo/su) usually lack. " +
        "Run the node host under your own supervisor instead (a container's entrypoint, runit, supervisord, tmux): openclaw node run --host <gateway host> --port <port>, " +
        "with OPENCLAW_GATEWAY_TOKEN in its environment (or pair once with --pair <code>).",
    };
  }

  async isInstalled(): Promise<boolean> {
    return existsSync(this.definitionPath);
  }

  private async systemdVersion(): Promise<number | undefined> {
    const r = await this.deps.run("systemctl", ["--version"]);
    const m = /systemd (\d+)/.exec(r.stdout);
    return m ? Number(m[1]) : undefined;
  }

  async install(def: ServiceDefinition): Promise<InstallResult> {
    const warnings: string[] = [];
    const files: string[] = [];
    const version = await this.systemdVersion();
    const unit = renderSystemdUnit(def, version !== undefined ? { systemdVersion: version } : {});
    writeEnvFile(def, warnings, files);
    writeFileAtomic(this.definitionPath, unit, 0o644);
    files.push(this.definitionPath);
    await this.must("daemon-reload");
    await this.must("enable", this.name);
    // restart, not start: a --force reinstall must pick up the new unit
    await this.must("restart", this.name);
    const linger = await this.linger();
    if (linger === false) {
      warnings.push(
        `Systemd lingering is disabled for ${this.deps.user}: the node service stops when you log out and does not start at boot. Run: sudo loginctl enable-linger ${this.deps.user}`,
      );
    } else if (linger === undefined) {
      warnings.push(`Could not check systemd lingering for ${this.deps.user} (loginctl failed); if the node must run while you are logged out: sudo loginctl enable-linger ${this.deps.user}`);
    }
    return { warnings, files };
  }

  /** `loginctl show-user <user> --property=Linger`: true/false, undefined when it cannot tell. */
  async linger(): Promise<boolean | undefined> {
    const r = await this.deps.run("loginctl", ["show-user", this.deps.user, "--property=Linger"]);
    if (r.code !== 0) return undefined;
    const v = parseShow(r.stdout).Linger;
    return v === "yes" ? true : v === "no" ? false : undefined;
  }

  async uninstall(): Promise<string[]> {
    const envFile = this.readDefinition()?.envFile;
    // a missing user manager must not block removing the files
    await this.systemctl("disable", "--now", this.name);
    const removed = removeFiles([this.definitionPath, ...(envFile ? [envFile] : [])]);
    await this.systemctl("daemon-reload");
    await this.systemctl("reset-failed", this.name);
    return removed;
  }

  async start(): Promise<void> {
    await this.must("start", this.name);
  }

  async stop(): Promise<void> {
    await this.must("stop", this.name);
  }

  async restart(): Promise<void> {
    // also clears a start-limit hit, so `restart` works after a crash loop gave up
    await this.systemctl("reset-failed", this.name);
    await this.must("restart", this.name);
  }

  async runtime(): Promise<ServiceRuntime> {
    const r = await this.systemctl("show", this.name, "--property=LoadState,UnitFileState,ActiveState,SubState,MainPID,ExecMainStatus,ExecMainCode,Result");
    if (r.code !== 0) return { status: "unknown", detail: describeFailure("systemctl --user show", r) };
    const p = parseShow(r.stdout);
    const pid = Number(p.MainPID);
    const out: ServiceRuntime = {
      status: p.ActiveState === "active" ? "running" : "stopped",
      enabled: p.UnitFileState === "enabled",
      state: `${p.ActiveState ?? "unknown"} (${p.SubState ?? "unknown"})`,
    };
    if (pid > 0) out.pid = pid;
    const code = EXIT_CODES[p.ExecMainCode ?? ""];
    if (code) {
      out.lastExitStatus = Number(p.ExecMainStatus);
      out.lastExitReason = p.Result && p.Result !== "success" ? `${code}, ${p.Result}` : code;
    }
    if (p.LoadState === "not-found") out.detail = "unit not loaded (run `systemctl --user daemon-reload`?)";
    const linger = await this.linger();
    if (linger !== undefined) out.linger = linger;
    return out;
  }

  readDefinition(): InstalledDefinition | undefined {
    try {
      return parseSystemdUnit(readFileSync(this.definitionPath, "utf8"), this.definitionPath);
    } catch {
      return undefined;
    }
  }
}
