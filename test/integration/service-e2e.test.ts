// Linux service end to end, minus systemd itself: `node install` (through the CLI layer, with a
// recording systemctl) renders the unit; its ExecStart is run directly the way systemd would run it —
// the unit's Environment= lines plus its EnvironmentFile=, in WorkingDirectory=, nothing inherited —
// and that node host connects to a real gateway with the token from the env file, waits for pairing,
// is approved, connects, reports it in node-status.json / `node status`, and stops cleanly on SIGTERM.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Fixture, TOKEN, eventually, withTimeout } from "../helpers.js";
import { installAction, statusAction, type ServiceContext } from "../../src/cli/commands/node-service.js";
import { SystemdUserService } from "../../src/node-host/service/systemd.js";
import { parseSystemdUnit } from "../../src/node-host/service/render-systemd.js";
import { parseEnvFile } from "../../src/node-host/service/env-file.js";
import { readNodeStatus } from "../../src/node-host/status-file.js";
import type { CommandResult } from "../../src/node-host/service/types.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.js", import.meta.url));

test("the rendered systemd ExecStart, run directly, starts a node host that connects and pairs", { skip: process.platform === "win32" ? "POSIX only" : false }, async () => {
  const f = new Fixture();
  let child: ReturnType<typeof spawn> | undefined;
  try {
    const gw = await f.gateway();
    const home = f.dir();
    const stateDir = join(home, ".openclaw");
    let mainPid = 0;
    const run = async (file: string, args: string[]): Promise<CommandResult> => {
      if (file === "loginctl") return { code: 0, stdout: "Linger=yes\n", stderr: "" };
      if (args.includes("show") && args[0] === "--user")
        return { code: 0, stdout: `LoadState=loaded\nUnitFileState=enabled\nActiveState=active\nSubState=running\nMainPID=${mainPid}\nExecMainStatus=0\nExecMainCode=0\nResult=success\n`, stderr: "" };
      return { code: 0, stdout: file === "systemctl" && args[0] === "--version" ? "systemd 252 (252)\n" : "", stderr: "" };
    };
    const env = { PATH: dirname(process.execPath), HOME: home, OPENCLAW_STATE_DIR: stateDir, OPENCLAW_GATEWAY_TOKEN: TOKEN };
    const manager = new SystemdUserService({ run, home, stateDir, user: "tester", uid: 1000, env });
    const ctx: ServiceContext = { platform: "linux", manager, stateDir, home, env, entryScript: MAIN, version: "e2e" };
    const installed = await installAction(ctx, { host: "127.0.0.1", port: String(gw.port), displayName: "service node" });
    assert.equal(installed.code, 0, installed.stderr);

    // what systemd would do with the unit
    const unit = parseSystemdUnit(readFileSync(manager.definitionPath, "utf8"), manager.definitionPath);
    assert.ok(unit.envFile, "the unit names an EnvironmentFile");
    const fromFile = parseEnvFile(readFileSync(unit.envFile, "utf8"));
    assert.equal(fromFile.OPENCLAW_GATEWAY_TOKEN, TOKEN);
    const [exe, ...args] = unit.programArguments;
    assert.equal(exe, process.execPath);
    assert.equal(args[0], MAIN);
    assert.equal(unit.programArguments.join(" ").includes(TOKEN), false, "no secret in ExecStart");
    assert.equal(JSON.stringify(unit.environment).includes(TOKEN), false, "no secret in Environment=");
    child = spawn(exe!, args, { cwd: unit.workingDirectory, env: { ...unit.environment, ...fromFile }, stdio: ["ignore", "pipe", "pipe"] });
    mainPid = child.pid!;
    let err = "";
    child.stderr!.on("data", (d) => (err += d));
    const exited = new Promise<number | null>((r) => child!.on("exit", (code) => r(code)));

    // token auth, new device → pairing request, visible in node-status.json
    const pairing = await eventually(() => {
      const s = readNodeStatus(stateDir);
      return s?.state === "pairing" && s.requestId ? s : undefined;
    }, 10_000, `node-status.json says pairing (node stderr: ${err})`);
    assert.equal(pairing.pid, child.pid);
    assert.equal(pairing.paired, false);
    assert.equal(pairing.gateway, `ws://127.0.0.1:${gw.port}`);
    const op = await f.operator(gw);
    await op.call("node.pair.approve", { requestId: pairing.requestId });

    await eventually(() => readNodeStatus(stateDir)?.state === "connected", 10_000, `node connected after approval (node stderr: ${err})`);
    const list = await op.call<{ nodes: { displayName: string; connected: boolean; approvalState: string }[] }>("node.list", {});
    assert.deepEqual(list.nodes.map((n) => [n.displayName, n.connected, n.approvalState]), [["service node", true, "approved"]]);
    assert.equal(readFileSync(join(stateDir, "node-status.json"), "utf8").includes(TOKEN), false);

    const status = (await statusAction(ctx)).json as { service: { running: boolean; pid: number }; node: { state: string; connected: boolean; paired: boolean; pid: number }; credentials: { source: string } };
    assert.deepEqual(status.service.running, true);
    assert.deepEqual(status.node, { ...status.node, state: "connected", connected: true, paired: true, pid: child.pid });
    assert.equal(status.credentials.source, "env-file");

    child.kill("SIGTERM");
    assert.equal(await withTimeout(exited, 10_000, "node host exits on SIGTERM"), 0, err);
    assert.equal(readNodeStatus(stateDir)?.state, "stopped");
    assert.equal(err.includes(TOKEN), false, "the token is never logged");
  } finally {
    child?.kill("SIGKILL");
    await f.close();
  }
});
