// Pure renderer of the node's LaunchAgent plist (node-host.md §6.5). Credentials are not in the
// plist: `node run --env-file <0600 file>` (in ProgramArguments) loads them at start.
import { join } from "node:path";
import type { ServiceDefinition } from "./types.js";
import { NODE_SERVICE } from "./types.js";

export function xmlEscape(v: string): string {
  // XML 1.0 cannot carry most control characters at all
  if (/[\0-\x08\x0b\x0c\x0e-\x1f]/.test(v)) throw new Error(`value contains a control character: ${JSON.stringify(v)}`);
  // element text only (nothing is rendered into attributes), so quotes stay as they are
  return v.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function launchdLogPaths(logDir: string): { out: string; err: string } {
  return { out: join(logDir, "node.log"), err: join(logDir, "node.err.log") };
}

export function renderLaunchdPlist(def: ServiceDefinition, label: string = NODE_SERVICE.launchdLabel): string {
  const s = (v: string) => `<string>${xmlEscape(v)}</string>`;
  const logs = launchdLogPaths(def.logDir);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    "<dict>",
    "  <key>Label</key>",
    `  ${s(label)}`,
    "  <key>Comment</key>",
    `  ${s(`${def.description}. Managed by openclaw node install; credentials are in ${def.envFilePath} (0600).`)}`,
    "  <key>ProgramArguments</key>",
    "  <array>",
    ...def.programArguments.map((a) => `    ${s(a)}`),
    "  </array>",
    "  <key>WorkingDirectory</key>",
    `  ${s(def.workingDirectory)}`,
    "  <key>EnvironmentVariables</key>",
    "  <dict>",
    ...Object.entries(def.environment).flatMap(([k, v]) => [`    <key>${xmlEscape(k)}</key>`, `    ${s(v)}`]),
    "  </dict>",
    "  <key>RunAtLoad</key>",
    "  <true/>",
    "  <key>KeepAlive</key>",
    "  <true/>",
    // launchd's respawn back-off: at most one start per 10 s
    "  <key>ThrottleInterval</key>",
    "  <integer>10</integer>",
    "  <key>ProcessType</key>",
    "  <string>Background</string>",
    "  <key>StandardOutPath</key>",
    `  ${s(logs.out)}`,
    "  <key>StandardErrorPath</key>",
    `  ${s(logs.err)}`,
    "</dict>",
    "</plist>",
    "",
  ];
  return lines.join("\n");
}
