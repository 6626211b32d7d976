// The node as a Windows Scheduled Task ("OpenClaw Node"): logon trigger, hidden wscript launcher,
// restart on failure, no execution time limit (user-asks.md row 19).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../../shared/fs-atomic.js";
import { readNodeStatus } from "../status-file.js";
import { removeFiles, writeEnvFile, type ManagerDeps } from "./common.js";
import { encodeUtf16le, renderTaskXml, renderWindowsLauncher } from "./render-schtasks.js";
import { NODE_SERVICE, ServiceError, describeFailure, type Availability, type InstallResult, type InstalledDefinition, type ServiceDefinition, type ServiceManager, type ServiceRuntime } from "./types.js";

export function parseSchtasksList(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^([^:]+):\s*(.*)$/.exec(line);
    if (m && !(m[1]!.trim() in out)) out[m[1]!.trim()] = m[2]!.trim();
  }
  return out;
}

export class ScheduledTaskService implements ServiceManager {
  readonly kind = "schtasks" as const;
  readonly label = "Scheduled Task";
  readonly name = NODE_SERVICE.windowsTaskName;
  readonly definitionPath: string;
  readonly launcherPath: string;
  readonly logHint: string;

  constructor(private readonly deps: ManagerDeps) {
    this.definitionPath = join(deps.stateDir, "node-task.xml");
    this.launcherPath = join(deps.stateDir, "node.vbs");
    this.logHint = `schtasks /Query /TN "${NODE_SERVICE.windowsTaskName}" /V /FO LIST (the node host's own output is not kept; run \`openclaw node run\` in a console to see it)`;
  }

  private schtasks(...args: string[]) {
    return this.deps.run("schtasks", args);
  }

  private async must(...args: string[]): Promise<void> {
    const r = await this.schtasks(...args);
    if (r.code === 0) return;
    const hints = /access is denied/i.test(r.stderr + r.stdout) ? ["Task Scheduler refused: run the command from an Administrator prompt, or ask your administrator to allow user tasks"] : [];
    throw new ServiceError(describeFailure(`schtasks ${args.join(" ")}`, r), hints);
  }

  userId(): string {
    const domain = this.deps.env.USERDOMAIN?.trim();
    return domain ? `${domain}\\${this.deps.user}` : this.deps.user;
  }

  async available(): Promise<Availability> {
    const r = await this.schtasks("/Query", "/FO", "LIST", "/TN", "\\");
    if (r.code !== 127) return { ok: true };
    return { ok: false, detail: "schtasks.exe not found", hint: "run `openclaw node run` under your own supervisor" };
  }

  async isInstalled(): Promise<boolean> {
    return (await this.schtasks("/Query", "/TN", this.name)).code === 0;
  }

  async install(def: ServiceDefinition): Promise<InstallResult> {
    const warnings: string[] = [];
    const files: string[] = [];
    writeEnvFile(def, warnings, files);
    // wscript reads UTF-16 LE with a BOM, so non-ASCII user names and paths survive
    writeFileAtomic(this.launcherPath, encodeUtf16le(renderWindowsLauncher(def)), 0o600);
    files.push(this.launcherPath);
    writeFileAtomic(this.definitionPath, encodeUtf16le(renderTaskXml(def, { userId: this.userId(), launcherPath: this.launcherPath })), 0o600);
    files.push(this.definitionPath);
    await this.schtasks("/End", "/TN", this.name); // a running older copy
    await this.must("/Create", "/TN", this.name, "/XML", this.definitionPath, "/F");
    await this.must("/Run", "/TN", this.name);
    return { warnings, files };
  }

  async uninstall(): Promise<string[]> {
    const envFile = this.envFile();
    await this.stopQuietly();
    await this.schtasks("/Delete", "/TN", this.name, "/F");
    return removeFiles([this.definitionPath, this.launcherPath, ...(envFile ? [envFile] : [])]);
  }

  async start(): Promise<void> {
    await this.must("/Run", "/TN", this.name);
  }

  /** /End ends the launcher; the node host it started is ended by pid from node-status.json. */
  private async stopQuietly(): Promise<boolean> {
    const ended = (await this.schtasks("/End", "/TN", this.name)).code === 0;
    const st = readNodeStatus(this.deps.stateDir);
    if (st && st.state !== "stopped") await this.deps.run("taskkill", ["/PID", String(st.pid), "/T", "/F"]);
    return ended;
  }

  async stop(): Promise<void> {
    await this.stopQuietly();
  }

  async restart(): Promise<void> {
    await this.stopQuietly();
    await this.must("/Run", "/TN", this.name);
  }

  async runtime(): Promise<ServiceRuntime> {
    const r = await this.schtasks("/Query", "/TN", this.name, "/V", "/FO", "LIST");
    if (r.code === 127) return { status: "unknown", detail: "schtasks.exe not found" };
    if (r.code !== 0) return { status: "stopped", enabled: false, state: "not registered" };
    const f = parseSchtasksList(r.stdout);
    const status = f.Status ?? "unknown";
    const out: ServiceRuntime = { status: /running/i.test(status) ? "running" : "stopped", enabled: !/disabled/i.test(f["Scheduled Task State"] ?? ""), state: status };
    const last = f["Last Result"];
    if (last && /^-?\d+$/.test(last)) {
      out.lastExitStatus = Number(last);
      if (f["Last Run Time"]) out.lastExitReason = `last run ${f["Last Run Time"]}`;
    }
    return out;
  }

  private envFile(): string | undefined {
    const args = this.readDefinition()?.programArguments ?? [];
    const i = args.indexOf("--env-file");
    return i >= 0 ? args[i + 1] : join(this.deps.stateDir, NODE_SERVICE.envFileName);
  }

  readDefinition(): InstalledDefinition | undefined {
    if (!existsSync(this.launcherPath)) return undefined;
    const buf = readFileSync(this.launcherPath);
    const text = buf[0] === 0xff && buf[1] === 0xfe ? buf.subarray(2).toString("utf16le") : buf.toString("utf8");
    const env: Record<string, string> = {};
    let programArguments: string[] = [];
    let workingDirectory: string | undefined;
    const vbs = (s: string) => s.slice(1, -1).replace(/""/g, '"');
    for (const line of text.split(/\r?\n/)) {
      let m = /^env\(("(?:[^"]|"")*")\) = ("(?:[^"]|"")*")$/.exec(line);
      if (m) env[vbs(m[1]!)] = vbs(m[2]!);
      m = /^sh\.CurrentDirectory = ("(?:[^"]|"")*")$/.exec(line);
      if (m) workingDirectory = vbs(m[1]!);
      m = /^WScript\.Quit sh\.Run\(("(?:[^"]|"")*"), 0, True\)$/.exec(line);
      if (m) programArguments = splitWindowsCommandLine(vbs(m[1]!));
    }
    const i = programArguments.indexOf("--env-file");
    return {
      programArguments,
      ...(workingDirectory ? { workingDirectory } : {}),
      environment: env,
      ...(i >= 0 && programArguments[i + 1] ? { envFile: programArguments[i + 1]! } : {}),
      sourcePath: this.definitionPath,
    };
  }
}

/** CommandLineToArgvW, for reading back what windowsCommandLine wrote. */
export function splitWindowsCommandLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (line[i] === " " || line[i] === "\t") i++;
    if (i >= line.length) break;
    let word = "";
    let quoted = false;
    for (; i < line.length; i++) {
      const c = line[i]!;
      if (c === "\\") {
        let n = 0;
        while (line[i] === "\\") {
          n++;
          i++;
        }
        if (line[i] === '"') {
          word += "\\".repeat(Math.floor(n / 2));
          if (n % 2 === 1) word += '"';
          else quoted = !quoted;
        } else {
          word += "\\".repeat(n);
          i--;
        }
        continue;
      }
      if (c === '"') {
        quoted = !quoted;
        continue;
      }
      if (!quoted && (c === " " || c === "\t")) break;
      word += c;
    }
    out.push(word);
  }
  return out;
}
