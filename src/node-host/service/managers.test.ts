// Behaviour of the three service managers with a recording command runner: the exact argv of every
// operation (the node's unit/label/task, never the gateway's — user-asks.md row 18), the files they
// write (env file 0600, no token in the definition), lingering, and an unavailable service manager.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LaunchAgentService } from "./launchd.js";
import { ScheduledTaskService } from "./schtasks.js";
import { SystemdUserService } from "./systemd.js";
import type { ManagerDeps } from "./common.js";
import { NODE_SERVICE, ServiceError, type CommandResult, type ServiceDefinition } from "./types.js";
import { parseEnvFile } from "./env-file.js";

const TOKEN = "tok-abcdef-123456";

type Reply = Partial<CommandResult> | undefined;
function fakeRunner(reply: (argv: string[]) => Reply = () => undefined) {
  const calls: string[][] = [];
  const run = async (file: string, args: string[]): Promise<CommandResult> => {
    const argv = [file, ...args];
    calls.push(argv);
    return { code: 0, stdout: "", stderr: "", ...reply(argv) };
  };
  return { calls, run };
}

function setup(reply?: (argv: string[]) => Reply) {
  const dir = mkdtempSync(join(tmpdir(), "oclite-svc-"));
  const home = join(dir, "home");
  const stateDir = join(home, ".openclaw");
  const r = fakeRunner(reply);
  const deps: ManagerDeps = { run: r.run, home, stateDir, user: "alice", uid: 501, env: {} };
  const def: ServiceDefinition = {
    description: "OpenClaw Node Host (test)",
    programArguments: ["/usr/bin/node", "/opt/oc/dist/src/cli/main.js", "node", "run", "--host", "127.0.0.1", "--port", "18789"],
    workingDirectory: home,
    environment: { HOME: home, OPENCLAW_STATE_DIR: stateDir },
    secrets: { OPENCLAW_GATEWAY_TOKEN: TOKEN },
    envFilePath: join(stateDir, "node.env"),
    logDir: join(stateDir, "logs"),
  };
  return { dir, home, stateDir, deps, def, calls: r.calls, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const flat = (calls: string[][]) => calls.map((c) => c.join(" "));

test("systemd: install writes the env file (0600) and the unit, then reloads, enables and restarts the node's unit", async () => {
  const s = setup((argv) => (argv[1] === "--version" ? { stdout: "systemd 252 (252.38-1~deb12u1)\n+PAM" } : argv[0] === "loginctl" ? { stdout: "Linger=yes\n" } : undefined));
  try {
    const m = new SystemdUserService(s.deps);
    assert.equal(m.definitionPath, join(s.home, ".config/systemd/user/openclaw-node.service"));
    assert.equal(await m.isInstalled(), false);
    const res = await m.install(s.def);
    assert.deepEqual(flat(s.calls), [
      "systemctl --version",
      "systemctl --user daemon-reload",
      "systemctl --user enable openclaw-node.service",
      "systemctl --user restart openclaw-node.service",
      "loginctl show-user alice --property=Linger",
    ]);
    assert.deepEqual(res.files, [s.def.envFilePath, m.definitionPath]);
    assert.deepEqual(res.warnings, []);
    assert.equal(statSync(s.def.envFilePath).mode & 0o777, 0o600);
    assert.deepEqual(parseEnvFile(readFileSync(s.def.envFilePath, "utf8")), { OPENCLAW_GATEWAY_TOKEN: TOKEN });
    const unit = readFileSync(m.definitionPath, "utf8");
    assert.equal(unit.includes(TOKEN), false);
    assert.match(unit, /^EnvironmentFile=-.*node\.env$/m);
    assert.equal(await m.isInstalled(), true);
    assert.deepEqual(m.readDefinition()?.programArguments, s.def.programArguments);
  } finally {
    s.cleanup();
  }
});

test("systemd: start, stop, restart, uninstall and status name openclaw-node.service, never the gateway's unit", async () => {
  const s = setup((argv) =>
    argv.includes("show")
      ? { stdout: "LoadState=loaded\nUnitFileState=enabled\nActiveState=failed\nSubState=failed\nMainPID=0\nExecMainStatus=1\nExecMainCode=1\nResult=exit-code\n" }
      : argv[0] === "loginctl"
        ? { stdout: "Linger=no\n" }
        : undefined,
  );
  try {
    const m = new SystemdUserService(s.deps);
    await m.install(s.def);
    s.calls.length = 0;
    await m.start();
    await m.stop();
    await m.restart();
    const rt = await m.runtime();
    assert.deepEqual(rt, { status: "stopped", enabled: true, state: "failed (failed)", lastExitStatus: 1, lastExitReason: "exited, exit-code", linger: false });
    const removed = await m.uninstall();
    assert.deepEqual(flat(s.calls), [
      "systemctl --user start openclaw-node.service",
      "systemctl --user stop openclaw-node.service",
      "systemctl --user reset-failed openclaw-node.service",
      "systemctl --user restart openclaw-node.service",
      "systemctl --user show openclaw-node.service --property=LoadState,UnitFileState,ActiveState,SubState,MainPID,ExecMainStatus,ExecMainCode,Result",
      "loginctl show-user alice --property=Linger",
      "systemctl --user disable --now openclaw-node.service",
      "systemctl --user daemon-reload",
      "systemctl --user reset-failed openclaw-node.service",
    ]);
    assert.deepEqual(removed, [m.definitionPath, s.def.envFilePath]);
    assert.equal(existsSync(m.definitionPath), false);
    assert.equal(existsSync(s.def.envFilePath), false);
    for (const c of s.calls) assert.equal(c.join(" ").includes(NODE_SERVICE.gatewaySystemdUnit), false);
  } finally {
    s.cleanup();
  }
});

test("systemd: lingering off → a warning with the exact enable-linger command; 254+ gets RestartSteps", async () => {
  const s = setup((argv) => (argv[1] === "--version" ? { stdout: "systemd 255 (255.4)\n" } : argv[0] === "loginctl" ? { stdout: "Linger=no\n" } : undefined));
  try {
    const m = new SystemdUserService(s.deps);
    const res = await m.install(s.def);
    assert.equal(res.warnings.length, 1);
    assert.match(res.warnings[0]!, /lingering is disabled for alice.*Run: sudo loginctl enable-linger alice$/);
    assert.match(readFileSync(m.definitionPath, "utf8"), /^RestartSteps=6$/m);
  } finally {
    s.cleanup();
  }
});

test("systemd: no user bus → unavailable with the reason and a `node run` suggestion; a failing systemctl is an error", async () => {
  const s = setup((argv) => (argv.includes("show-environment") ? { code: 1, stderr: "Failed to connect to bus: No medium found\n" } : argv.includes("enable") ? { code: 1, stderr: "Failed to enable unit: boom" } : undefined));
  try {
    const m = new SystemdUserService(s.deps);
    const a = await m.available();
    assert.equal(a.ok, false);
    assert.match(a.detail!, /systemctl --user is unavailable: Failed to connect to bus: No medium found/);
    assert.match(a.hint!, /containers.*root.*openclaw node run/s);
    await assert.rejects(m.install(s.def), (e: Error) => e instanceof ServiceError && /systemctl --user enable openclaw-node\.service failed \(exit 1\): Failed to enable unit: boom/.test(e.message));
    const missing = setup((argv) => (argv[0] === "systemctl" ? { code: 127, stderr: "systemctl: command not found" } : undefined));
    try {
      assert.match((await new SystemdUserService(missing.deps).available()).detail!, /systemctl not found/);
    } finally {
      missing.cleanup();
    }
  } finally {
    s.cleanup();
  }
});

test("systemd: a reinstall without credentials in the shell keeps the earlier env file (and says so)", async () => {
  const s = setup();
  try {
    const m = new SystemdUserService(s.deps);
    await m.install(s.def);
    const res = await m.install({ ...s.def, secrets: {} });
    assert.match(res.warnings.join("\n"), /kept the credentials of the previous install/);
    assert.equal(parseEnvFile(readFileSync(s.def.envFilePath, "utf8")).OPENCLAW_GATEWAY_TOKEN, TOKEN);
  } finally {
    s.cleanup();
  }
});

test("launchd: install, start, stop, restart, status, uninstall in the gui/<uid> domain with label ai.openclaw.node", async () => {
  let loaded = false;
  const s = setup((argv) => {
    if (argv[1] === "bootstrap") loaded = true;
    if (argv[1] === "bootout") loaded = false;
    if (argv[1] === "print" && argv[2] === "gui/501/ai.openclaw.node") return loaded ? { stdout: "gui/501/ai.openclaw.node = {\n\tstate = running\n\tpid = 4242\n\tlast exit code = 0\n}" } : { code: 113, stderr: "Could not find service" };
    return undefined;
  });
  try {
    const def = { ...s.def, programArguments: [...s.def.programArguments, "--env-file", s.def.envFilePath] };
    const m = new LaunchAgentService(s.deps);
    assert.equal(m.definitionPath, join(s.home, "Library/LaunchAgents/ai.openclaw.node.plist"));
    await m.install(def);
    assert.equal(readFileSync(m.definitionPath, "utf8").includes(TOKEN), false);
    assert.equal(statSync(s.def.envFilePath).mode & 0o777, 0o600);
    assert.ok(existsSync(s.def.logDir));
    assert.deepEqual(await m.runtime(), { status: "running", enabled: true, state: "running", pid: 4242, lastExitStatus: 0 });
    await m.stop();
    assert.deepEqual(await m.runtime(), { status: "stopped", enabled: false, state: "not loaded" });
    await m.start();
    await m.restart();
    await m.uninstall();
    assert.deepEqual(flat(s.calls), [
      "launchctl bootout gui/501/ai.openclaw.node",
      "launchctl enable gui/501/ai.openclaw.node",
      `launchctl bootstrap gui/501 ${m.definitionPath}`,
      "launchctl kickstart -k gui/501/ai.openclaw.node",
      "launchctl print gui/501/ai.openclaw.node",
      "launchctl print gui/501/ai.openclaw.node",
      "launchctl bootout gui/501/ai.openclaw.node",
      "launchctl print gui/501/ai.openclaw.node",
      "launchctl print gui/501/ai.openclaw.node",
      "launchctl enable gui/501/ai.openclaw.node",
      `launchctl bootstrap gui/501 ${m.definitionPath}`,
      "launchctl kickstart gui/501/ai.openclaw.node",
      "launchctl print gui/501/ai.openclaw.node",
      "launchctl kickstart -k gui/501/ai.openclaw.node",
      "launchctl bootout gui/501/ai.openclaw.node",
    ]);
    assert.equal(existsSync(m.definitionPath), false);
    assert.equal(existsSync(s.def.envFilePath), false, "uninstall removes the env file named by --env-file");
  } finally {
    s.cleanup();
  }
});

test("launchd: bootstrap failing outside a GUI session explains why", async () => {
  const s = setup((argv) => (argv[1] === "bootstrap" ? { code: 5, stderr: "Bootstrap failed: 5: Input/output error" } : undefined));
  try {
    await assert.rejects(new LaunchAgentService(s.deps).install(s.def), (e: Error) => e instanceof ServiceError && e.hints.some((h) => /GUI login session/.test(h)));
  } finally {
    s.cleanup();
  }
});

test("schtasks: install registers the XML task and runs it; stop ends it and the node host; uninstall deletes it", async () => {
  let registered = false;
  const s = setup((argv) => {
    if (argv[1] === "/Create") registered = true;
    if (argv[1] === "/Delete") registered = false;
    if (argv[1] === "/Query") {
      if (!registered) return { code: 1, stderr: "ERROR: The system cannot find the file specified." };
      if (argv.includes("/V")) return { stdout: "\r\nFolder: \\\r\nHostName: PC\r\nTaskName: \\OpenClaw Node\r\nStatus: Running\r\nLast Run Time: 5/1/2026 9:00:00 AM\r\nLast Result: 267009\r\nScheduled Task State: Enabled\r\n" };
    }
    return undefined;
  });
  try {
    const deps = { ...s.deps, env: { USERDOMAIN: "CORP" } };
    const def = { ...s.def, programArguments: [...s.def.programArguments, "--env-file", s.def.envFilePath] };
    const m = new ScheduledTaskService(deps);
    assert.equal(await m.isInstalled(), false);
    await m.install(def);
    const xml = readFileSync(m.definitionPath);
    assert.deepEqual([xml[0], xml[1]], [0xff, 0xfe], "UTF-16 LE with BOM");
    const text = xml.subarray(2).toString("utf16le");
    assert.match(text, /<UserId>CORP\\alice<\/UserId>/);
    assert.equal(text.includes(TOKEN), false);
    assert.equal(readFileSync(m.launcherPath).subarray(2).toString("utf16le").includes(TOKEN), false);
    assert.deepEqual(m.readDefinition()?.programArguments, def.programArguments);
    assert.equal(await m.isInstalled(), true);
    assert.deepEqual(await m.runtime(), { status: "running", enabled: true, state: "Running", lastExitStatus: 267009, lastExitReason: "last run 5/1/2026 9:00:00 AM" });
    // the node host's pid comes from its status file
    writeFileSync(join(s.stateDir, "node-status.json"), JSON.stringify({ pid: process.pid, state: "connected", paired: true, gateway: "ws://x", updatedAt: "" }));
    await m.stop();
    await m.uninstall();
    assert.deepEqual(flat(s.calls), [
      "schtasks /Query /TN OpenClaw Node",
      "schtasks /End /TN OpenClaw Node",
      `schtasks /Create /TN OpenClaw Node /XML ${m.definitionPath} /F`,
      "schtasks /Run /TN OpenClaw Node",
      "schtasks /Query /TN OpenClaw Node",
      "schtasks /Query /TN OpenClaw Node /V /FO LIST",
      "schtasks /End /TN OpenClaw Node",
      `taskkill /PID ${process.pid} /T /F`,
      "schtasks /End /TN OpenClaw Node",
      `taskkill /PID ${process.pid} /T /F`,
      "schtasks /Delete /TN OpenClaw Node /F",
    ]);
    for (const p of [m.definitionPath, m.launcherPath, s.def.envFilePath]) assert.equal(existsSync(p), false, p);
  } finally {
    s.cleanup();
  }
});

test("schtasks: access denied adds the Administrator hint", async () => {
  const s = setup((argv) => (argv[1] === "/Create" ? { code: 1, stderr: "ERROR: Access is denied." } : undefined));
  try {
    await assert.rejects(new ScheduledTaskService(s.deps).install(s.def), (e: Error) => e instanceof ServiceError && /Administrator/.test(e.hints.join(" ")));
  } finally {
    s.cleanup();
  }
});
