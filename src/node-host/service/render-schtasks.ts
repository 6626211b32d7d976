// Pure renderers for the Windows Scheduled Task (user-asks.md row 19): the task XML (logon trigger,
// restart on failure, no execution time limit, no repeating watchdog) and a windowless VBScript
// launcher run by wscript.exe, so no console window exists that a user could close. The launcher
// waits for the node host and returns its exit code, so Task Scheduler sees failures and restarts it.
import type { ServiceDefinition } from "./types.js";
import { xmlEscape } from "./render-launchd.js";

/** Quotes one argument for CommandLineToArgvW / the MSVC runtime. */
export function windowsQuoteArg(arg: string): string {
  if (arg !== "" && !/[\s"]/.test(arg)) return arg;
  let out = '"';
  let slashes = 0;
  for (const ch of arg) {
    if (ch === "\\") {
      slashes++;
      continue;
    }
    if (ch === '"') {
      out += "\\".repeat(slashes * 2 + 1) + '"';
    } else {
      out += "\\".repeat(slashes) + ch;
    }
    slashes = 0;
  }
  return out + "\\".repeat(slashes * 2) + '"';
}

export function windowsCommandLine(argv: string[]): string {
  return argv.map(windowsQuoteArg).join(" ");
}

function vbsString(v: string): string {
  if (/[\r\n\0]/.test(v)) throw new Error(`value cannot contain a line break or NUL: ${JSON.stringify(v)}`);
  return `"${v.replace(/"/g, '""')}"`;
}

/** node.vbs: sets the non-secret environment, runs the node host hidden (window style 0) and waits. */
export function renderWindowsLauncher(def: ServiceDefinition): string {
  const lines = [
    `' ${def.description}: launcher written by openclaw node install.`,
    "' Runs the node host without a console window and returns its exit code to Task Scheduler.",
    "Option Explicit",
    "Dim sh, env",
    'Set sh = CreateObject("WScript.Shell")',
    'Set env = sh.Environment("Process")',
    `sh.CurrentDirectory = ${vbsString(def.workingDirectory)}`,
    ...Object.entries(def.environment).map(([k, v]) => `env(${vbsString(k)}) = ${vbsString(v)}`),
    `WScript.Quit sh.Run(${vbsString(windowsCommandLine(def.programArguments))}, 0, True)`,
    "",
  ];
  return lines.join("\r\n");
}

export interface TaskXmlOptions {
  /** `DOMAIN\user` the task runs as (its logon starts it). */
  userId: string;
  /** Absolute path of node.vbs. */
  launcherPath: string;
  /** wscript.exe (default `%SystemRoot%\System32\wscript.exe`). */
  wscript?: string;
}

/** The task definition for `schtasks /Create /XML` (written as UTF-16 LE with a BOM). */
export function renderTaskXml(def: ServiceDefinition, o: TaskXmlOptions): string {
  const x = xmlEscape;
  const wscript = o.wscript ?? "%SystemRoot%\\System32\\wscript.exe";
  const lines = [
    '<?xml version="1.0" encoding="UTF-16"?>',
    '<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">',
    "  <RegistrationInfo>",
    `    <Description>${x(def.description)}</Description>`,
    "    <URI>\\OpenClaw Node</URI>",
    "  </RegistrationInfo>",
    "  <Triggers>",
    "    <LogonTrigger>",
    "      <Enabled>true</Enabled>",
    `      <UserId>${x(o.userId)}</UserId>`,
    "    </LogonTrigger>",
    "  </Triggers>",
    "  <Principals>",
    '    <Principal id="Author">',
    `      <UserId>${x(o.userId)}</UserId>`,
    "      <LogonType>InteractiveToken</LogonType>",
    "      <RunLevel>LeastPrivilege</RunLevel>",
    "    </Principal>",
    "  </Principals>",
    "  <Settings>",
    "    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>",
    "    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>",
    "    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>",
    "    <AllowHardTerminate>true</AllowHardTerminate>",
    "    <StartWhenAvailable>true</StartWhenAvailable>",
    "    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>",
    "    <IdleSettings>",
    "      <StopOnIdleEnd>false</StopOnIdleEnd>",
    "      <RestartOnIdle>false</RestartOnIdle>",
    "    </IdleSettings>",
    "    <AllowStartOnDemand>true</AllowStartOnDemand>",
    "    <Enabled>true</Enabled>",
    "    <Hidden>false</Hidden>",
    "    <RunOnlyIfIdle>false</RunOnlyIfIdle>",
    "    <WakeToRun>false</WakeToRun>",
    // no 72 h limit: PT0S = run indefinitely
    "    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>",
    "    <Priority>7</Priority>",
    // restart on failure (the launcher returns the node host's exit code) instead of a repeating trigger
    "    <RestartOnFailure>",
    "      <Interval>PT1M</Interval>",
    "      <Count>999</Count>",
    "    </RestartOnFailure>",
    "  </Settings>",
    '  <Actions Context="Author">',
    "    <Exec>",
    `      <Command>${x(wscript)}</Command>`,
    `      <Arguments>${x(`//B //NoLogo ${windowsQuoteArg(o.launcherPath)}`)}</Arguments>`,
    `      <WorkingDirectory>${x(def.workingDirectory)}</WorkingDirectory>`,
    "    </Exec>",
    "  </Actions>",
    "</Task>",
    "",
  ];
  return lines.join("\r\n");
}

export function encodeUtf16le(text: string): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);
}
