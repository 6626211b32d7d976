// Golden tests of the three pure renderers, plus: the systemd unit passes `systemd-analyze verify`,
// the plist parses with a strict plist parser, every renderer round-trips its argv, and no secret
// ever appears in a unit, plist, launcher or task. Regenerate goldens with UPDATE_GOLDEN=1.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildServiceDefinition, type DefinitionInput } from "./definition.js";
import { parseEnvFile, renderEnvFile } from "./env-file.js";
import { parsePlist, PlistError } from "./plist-parse.js";
import { renderLaunchdPlist } from "./render-launchd.js";
import { renderTaskXml, renderWindowsLauncher, windowsCommandLine } from "./render-schtasks.js";
import { parseSystemdUnit, renderSystemdUnit, splitSystemdCommandLine, systemdExecStart, UnitRenderError } from "./render-systemd.js";
import { splitWindowsCommandLine } from "./schtasks.js";

function repoRoot(): string {
  // compiled: dist/src/node-host/service/render.test.js; walk up to the folder holding package.json
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "src"))) return dir;
    dir = dirname(dir);
  }
  throw new Error("render.test: cannot find the repository root");
}
const GOLDEN = join(repoRoot(), "src/node-host/service/golden");

function golden(name: string, actual: string): void {
  const file = join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === "1") writeFileSync(file, actual);
  assert.ok(existsSync(file), `missing golden file ${file} (run with UPDATE_GOLDEN=1 to create it)`);
  assert.equal(actual, readFileSync(file, "utf8"), `${name} differs from its golden file (UPDATE_GOLDEN=1 regenerates it; review the diff)`);
}

const SECRET = "s3cret-gateway-token-value";
const FP = "ab".repeat(32);
const CFG = { version: 1 as const, nodeId: "3f0c2b7e-6a1d-4c59-9a0e-8f7b1d2c3e4f", displayName: "Build Node", gateway: { host: "gw.example.net", port: 18789, tls: true, tlsFingerprint: FP } };

function input(platform: DefinitionInput["platform"]): DefinitionInput {
  const win = platform === "win32";
  const home = win ? "C:\\Users\\Alice Smith" : platform === "darwin" ? "/Users/alice" : "/home/alice";
  return {
    platform,
    runtimePath: win ? "C:\\Program Files\\nodejs\\node.exe" : platform === "darwin" ? "/opt/homebrew/bin/node" : "/usr/bin/node",
    entryScript: win ? "C:\\Users\\Alice Smith\\openclaw-lite\\dist\\src\\cli\\main.js" : "/opt/openclaw-lite/dist/src/cli/main.js",
    cfg: CFG,
    given: { displayName: "Build Node 100% \"fast\"" },
    home,
    stateDir: win ? `${home}\\.openclaw` : `${home}/.openclaw`,
    env: { OPENCLAW_GATEWAY_TOKEN: SECRET, HTTPS_PROXY: "http://proxy.internal:3128", PATH: "/ignored" },
    version: "2026.9.6-lite.0.1.0",
  };
}

function noSecret(text: string, where: string): void {
  assert.equal(text.includes(SECRET), false, `the gateway token leaked into ${where}`);
}

// ---- systemd -------------------------------------------------------------------------------------

test("systemd unit: golden (systemd < 254 and ≥ 254), node's unit only, token only in the env file", () => {
  const def = buildServiceDefinition(input("linux"));
  const unit = renderSystemdUnit(def, { systemdVersion: 252 });
  golden("openclaw-node.service", unit);
  golden("openclaw-node.systemd254.service", renderSystemdUnit(def, { systemdVersion: 254 }));
  noSecret(unit, "the unit");
  noSecret(def.programArguments.join(" "), "argv");
  assert.equal(unit.includes("openclaw-gateway"), false);
  for (const line of ["Restart=always", "RestartSec=5", "WorkingDirectory=/home/alice", "EnvironmentFile=-/home/alice/.openclaw/node.env", "WantedBy=default.target"]) {
    assert.ok(unit.split("\n").includes(line), line);
  }
  assert.deepEqual(def.secrets, { OPENCLAW_GATEWAY_TOKEN: SECRET, HTTPS_PROXY: "http://proxy.internal:3128" });
  golden("node.env", renderEnvFile(def.secrets));
});

test("systemd unit: ExecStart quoting round-trips % $ quotes backslashes blanks; line breaks are refused", () => {
  const argv = ["/usr/bin/node", "/opt/my app/main.js", "node", "run", "--display-name", `a %h $HOME "q" \\ ; 'x'`, ""];
  const line = systemdExecStart(argv);
  assert.ok(line.includes("%%h") && line.includes("$$HOME"), line);
  assert.deepEqual(splitSystemdCommandLine(line), argv);
  assert.throws(() => systemdExecStart(["/usr/bin/node", "a\nExecStartPre=/bin/evil"]), UnitRenderError);
  assert.throws(() => systemdExecStart(["node", "x"]), /absolute/);
  const def = buildServiceDefinition(input("linux"));
  const parsed = parseSystemdUnit(renderSystemdUnit(def), "/u");
  assert.deepEqual(parsed.programArguments, def.programArguments);
  assert.equal(parsed.envFile, def.envFilePath);
  assert.equal(parsed.workingDirectory, "/home/alice");
  assert.deepEqual(parsed.environment, def.environment);
});

test("systemd unit passes `systemd-analyze verify`", (t) => {
  const probe = spawnSync("systemd-analyze", ["--version"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) {
    const msg = "systemd-analyze is not installed (Debian/Ubuntu: apt-get install -y systemd)";
    if (process.env.CI) assert.fail(`${msg}; CI must install it: this check may not be skipped there`);
    t.skip(msg);
    return;
  }
  const version = Number(/systemd (\d+)/.exec(probe.stdout)?.[1] ?? 0);
  const dir = mkdtempSync(join(tmpdir(), "oclite-unit-"));
  try {
    // real, existing paths: verify checks that ExecStart's executable exists
    const i = input("linux");
    const def = buildServiceDefinition({ ...i, runtimePath: process.execPath, entryScript: fileURLToPath(import.meta.url), home: dir, stateDir: join(dir, "state") });
    const file = join(dir, "openclaw-node.service");
    writeFileSync(file, renderSystemdUnit(def, { systemdVersion: version }));
    const r = spawnSync("systemd-analyze", ["verify", "--man=no", file], { encoding: "utf8" });
    assert.equal(r.status, 0, `systemd-analyze verify failed:\n${r.stderr}${r.stdout}`);
    // unknown keys and bad quoting are only warnings for verify: any output is a failure here
    assert.equal((r.stderr + r.stdout).trim(), "", `systemd-analyze verify warned:\n${r.stderr}${r.stdout}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---- launchd -------------------------------------------------------------------------------------

test("LaunchAgent plist: golden, parses strictly, KeepAlive + logs, argv round-trips, no token", () => {
  const def = buildServiceDefinition(input("darwin"));
  const xml = renderLaunchdPlist(def);
  golden("ai.openclaw.node.plist", xml);
  noSecret(xml, "the plist");
  const p = parsePlist(xml) as Record<string, unknown>;
  assert.equal(p.Label, "ai.openclaw.node");
  assert.equal(p.KeepAlive, true);
  assert.equal(p.RunAtLoad, true);
  assert.equal(p.ThrottleInterval, 10);
  assert.equal(p.WorkingDirectory, "/Users/alice");
  assert.equal(p.StandardOutPath, "/Users/alice/.openclaw/logs/node.log");
  assert.equal(p.StandardErrorPath, "/Users/alice/.openclaw/logs/node.err.log");
  assert.deepEqual(p.ProgramArguments, def.programArguments);
  const args = def.programArguments;
  assert.equal(args[args.indexOf("--env-file") + 1], "/Users/alice/.openclaw/node.env");
  assert.deepEqual(p.EnvironmentVariables, def.environment);
  // hostile values survive XML escaping
  const odd = { ...def, programArguments: [...def.programArguments, "<a&b>", "it's \"x\""] };
  assert.deepEqual((parsePlist(renderLaunchdPlist(odd)) as Record<string, unknown>).ProgramArguments, odd.programArguments);
});

test("plist parser is strict", () => {
  const head = '<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">';
  assert.deepEqual(parsePlist(`${head}<dict><key>a</key><array><integer>1</integer><true/><string>x &amp; y</string></array></dict></plist>`), { a: [1, true, "x & y"] });
  for (const bad of [
    `${head}<dict><key>a</key><string>x</dict></plist>`,
    `${head}<dict><key>a</key><string>1</string><key>a</key><string>2</string></dict></plist>`,
    `${head}<dict><key>a</key><bogus/></dict></plist>`,
    `${head}<dict><string>x</string></dict></plist>`,
    `${head}<dict><key>a</key><string>&nope;</string></dict></plist>`,
    `${head}<dict></dict></plist><dict/>`,
    `<plist version="1.0"><dict/></plist>`,
  ]) {
    assert.throws(() => parsePlist(bad), PlistError, bad);
  }
});

test("LaunchAgent plist is accepted by python's plistlib when python3 is present", (t) => {
  const probe = spawnSync("python3", ["-c", "import plistlib"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) {
    t.skip("python3 not available (the strict parser above still checks the plist)");
    return;
  }
  const def = buildServiceDefinition(input("darwin"));
  const r = spawnSync("python3", ["-c", "import plistlib,sys,json; print(json.dumps(plistlib.loads(sys.stdin.buffer.read())))"], { input: renderLaunchdPlist(def), encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const p = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.deepEqual(p.ProgramArguments, def.programArguments);
  assert.equal(p.KeepAlive, true);
});

// ---- Windows -------------------------------------------------------------------------------------

test("Scheduled Task: golden XML and launcher; hidden, restarts on failure, no 72 h limit, no repetition", () => {
  const def = buildServiceDefinition(input("win32"));
  const launcherPath = "C:\\Users\\Alice Smith\\.openclaw\\node.vbs";
  const xml = renderTaskXml(def, { userId: "CORP\\alice", launcherPath });
  const vbs = renderWindowsLauncher(def);
  golden("openclaw-node-task.xml", xml.replace(/\r\n/g, "\n"));
  golden("node.vbs", vbs.replace(/\r\n/g, "\n"));
  assert.ok(!/[^\r]\n/.test(xml) && !/[^\r]\n/.test(vbs), "CRLF line endings");
  noSecret(xml, "the task XML");
  noSecret(vbs, "the launcher");
  assert.match(xml, /<ExecutionTimeLimit>PT0S<\/ExecutionTimeLimit>/);
  assert.match(xml, /<RestartOnFailure>\s*<Interval>PT1M<\/Interval>\s*<Count>999<\/Count>\s*<\/RestartOnFailure>/);
  assert.match(xml, /<LogonTrigger>/);
  assert.doesNotMatch(xml, /<Repetition>/);
  assert.match(xml, /<Command>%SystemRoot%\\System32\\wscript\.exe<\/Command>/);
  assert.match(xml, /<Arguments>\/\/B \/\/NoLogo "C:\\Users\\Alice Smith\\\.openclaw\\node\.vbs"<\/Arguments>/);
  // window style 0 (hidden), wait for the node host and hand its exit code to Task Scheduler
  assert.match(vbs, /WScript\.Quit sh\.Run\(".*", 0, True\)/);
  const parsed = parsePlistLikeXmlCheck(xml);
  assert.ok(parsed);
});

/** The task XML is well formed: every element closes in order (a small stack check). */
function parsePlistLikeXmlCheck(xml: string): boolean {
  const stack: string[] = [];
  for (const m of xml.replace(/<\?xml[^>]*\?>/, "").matchAll(/<(\/?)([A-Za-z]+)[^>]*?(\/?)>/g)) {
    if (m[3]) continue;
    if (m[1]) assert.equal(stack.pop(), m[2], `unbalanced </${m[2]}>`);
    else stack.push(m[2]!);
  }
  assert.deepEqual(stack, []);
  return true;
}

test("Windows command line quoting round-trips (CommandLineToArgvW rules)", () => {
  const argv = ["C:\\Program Files\\nodejs\\node.exe", "C:\\a b\\main.js", "node", "run", "--display-name", 'say "hi"', "trailing\\", "sp ace\\", "", "a\\\\\"b"];
  assert.deepEqual(splitWindowsCommandLine(windowsCommandLine(argv)), argv);
});

test("env file: quoting round-trips; line breaks are refused", () => {
  const vars = { A: "plain-value_1.2:3/x", B: "with space", C: "it's", D: 'q"$`\\', E: "" };
  assert.deepEqual(parseEnvFile(renderEnvFile(vars)), vars);
  assert.throws(() => renderEnvFile({ A: "x\ny" }), /line break/);
  assert.throws(() => renderEnvFile({ "A-B": "x" }), /invalid/);
});
