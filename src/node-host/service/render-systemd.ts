// Pure renderer (and reader) of the node's systemd user unit. Quoting follows systemd.syntax(7) and
// systemd.service(5): `%` is a specifier everywhere (→ `%%`), `$` expands in ExecStart (→ `$$`),
// arguments with blanks/quotes/backslashes are double-quoted with C escapes; CR/LF/NUL are refused.
import type { InstalledDefinition, ServiceDefinition } from "./types.js";

export class UnitRenderError extends Error {
  override name = "UnitRenderError";
}

function checkLine(v: string, what: string): void {
  if (/[\r\n\0]/.test(v)) throw new UnitRenderError(`${what} cannot contain a line break or NUL: ${JSON.stringify(v)}`);
}

function quoteWord(v: string, execStart: boolean): string {
  checkLine(v, "a unit value");
  let s = v.replace(/%/g, "%%");
  if (execStart) s = s.replace(/\$/g, "$$$$");
  if (s !== "" && !/[\s"'\\;]/.test(s)) return s;
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

export function systemdExecStart(argv: string[]): string {
  if (argv.length === 0) throw new UnitRenderError("empty command line");
  if (!argv[0]!.startsWith("/")) throw new UnitRenderError(`ExecStart needs an absolute executable path, got ${argv[0]}`);
  return argv.map((a) => quoteWord(a, true)).join(" ");
}

function envAssignment(key: string, value: string): string {
  checkLine(value, `${key}`);
  const kv = `${key}=${value}`.replace(/%/g, "%%");
  return /[\s"'\\]/.test(kv) ? `"${kv.replace(/[\\"]/g, (c) => `\\${c}`)}"` : kv;
}

export interface SystemdRenderOptions {
  /** `systemctl --version` of the target; 254+ gets an exponential restart back-off (RestartSteps). */
  systemdVersion?: number;
}

export function renderSystemdUnit(def: ServiceDefinition, opts: SystemdRenderOptions = {}): string {
  checkLine(def.description, "Description");
  checkLine(def.workingDirectory, "WorkingDirectory");
  checkLine(def.envFilePath, "EnvironmentFile");
  if (!def.envFilePath.startsWith("/")) throw new UnitRenderError(`EnvironmentFile needs an absolute path, got ${def.envFilePath}`);
  const lines = [
    "# Managed by `openclaw node install` (openclaw-lite). Reinstall with `openclaw node install --force`;",
    "# credentials live in the EnvironmentFile below (mode 0600), never in this file or on the command line.",
    "[Unit]",
    `Description=${def.description.replace(/%/g, "%%")}`,
    "After=network-online.target",
    "Wants=network-online.target",
    // a crash loop (e.g. a refused token: the node host exits 1) gives up after 10 starts in 5 minutes
    // instead of hammering the gateway; `openclaw node restart` clears it
    "StartLimitIntervalSec=300",
    "StartLimitBurst=10",
    "",
    "[Service]",
    "Type=simple",
    `ExecStart=${systemdExecStart(def.programArguments)}`,
    `WorkingDirectory=${quoteWord(def.workingDirectory, false)}`,
    `EnvironmentFile=-${def.envFilePath.replace(/%/g, "%%")}`,
    ...Object.entries(def.environment).map(([k, v]) => `Environment=${envAssignment(k, v)}`),
    "Restart=always",
    "RestartSec=5",
    ...((opts.systemdVersion ?? 0) >= 254 ? ["RestartSteps=6", "RestartMaxDelaySec=5min"] : []),
    "TimeoutStopSec=20",
    "KillMode=mixed",
    "SuccessExitStatus=130 143",
    "",
    "[Install]",
    "WantedBy=default.target",
    "",
  ];
  return lines.join("\n");
}

/** Splits an ExecStart value back into argv (the inverse of systemdExecStart for what we render). */
export function splitSystemdCommandLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i]!)) i++;
    if (i >= line.length) break;
    let word = "";
    if (line[i] === '"' || line[i] === "'") {
      const q = line[i]!;
      i++;
      while (i < line.length && line[i] !== q) {
        if (line[i] === "\\" && q === '"' && i + 1 < line.length) i++;
        word += line[i];
        i++;
      }
      i++;
    } else {
      while (i < line.length && !/\s/.test(line[i]!)) word += line[i++];
    }
    out.push(word.replace(/%%/g, "%").replace(/\$\$/g, "$"));
  }
  return out;
}

function unquoteValue(v: string): string {
  const t = v.trim();
  const inner = t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).replace(/\\(.)/g, "$1") : t;
  return inner.replace(/%%/g, "%");
}

export function parseSystemdUnit(text: string, sourcePath: string): InstalledDefinition {
  const def: InstalledDefinition = { programArguments: [], environment: {}, sourcePath };
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    const eq = line.indexOf("=");
    if (!line || line.startsWith("#") || line.startsWith(";") || eq < 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key === "ExecStart") def.programArguments = splitSystemdCommandLine(value);
    else if (key === "WorkingDirectory") def.workingDirectory = unquoteValue(value);
    else if (key === "EnvironmentFile") def.envFile = value.replace(/^-/, "").replace(/%%/g, "%");
    else if (key === "Environment") {
      const kv = unquoteValue(value);
      const i = kv.indexOf("=");
      if (i > 0) def.environment[kv.slice(0, i)] = kv.slice(i + 1);
    }
  }
  return def;
}
