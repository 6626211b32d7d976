// `node install | status | start | stop | restart | uninstall` end to end through the CLI layer, on a
// systemd user manager simulated by a recording command runner (temp home and state dir).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { SystemdUserService } from "../../node-host/service/systemd.js";
import type { CommandResult } from "../../node-host/service/types.js";
import { installAction, lifecycleAction, statusAction, type ServiceContext } from "./node-service.js";

const TOKEN = "svc-token-0123456789";

function setup(reply: (argv: string[], s: { unitExists(): boolean }) => Partial<CommandResult> | undefined = () => undefined, env: NodeJS.ProcessEnv = {}) {
  const dir = mkdtempSync(join(tmpdir(), "oclite-nsvc-"));
  const home = join(dir, "home");
  const stateDir = join(home, ".openclaw");
  const calls: string[][] = [];
  const seen: { argv: string; nodeJson: boolean; unit: boolean }[] = [];
  let manager!: SystemdUserService;
  const run = async (file: string, args: string[]): Promise<CommandResult> => {
    const argv = [file, ...args];
    calls.push(argv);
    seen.push({ argv: argv.join(" "), nodeJson: existsSync(join(stateDir, "node.json")), unit: existsSync(manager.definitionPath) });
    return { code: 0, stdout: "", stderr: "", ...reply(argv, { unitExists: () => existsSync(manager.definitionPath) }) };
  };
  const fullEnv = { PATH: dirname(process.execPath), HOME: home, OPENCLAW_STATE_DIR: stateDir, ...env };
  manager = new SystemdUserService({ run, home, stateDir, user: "alice", uid: 1000, env: fullEnv });
  const ctx: ServiceContext = { platform: "linux", manager, stateDir, home, env: fullEnv, entryScript: "/opt/oc/dist/src/cli/main.js", version: "test" };
  return { dir, home, stateDir, ctx, calls, seen, manager, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

const linger = (argv: string[]) => (argv[0] === "loginctl" ? { stdout: "Linger=yes\n" } : undefined);

test("install: node.json first, then the unit, then enable + start; credentials only in the 0600 env file", async () => {
  const s = setup(linger, { OPENCLAW_GATEWAY_TOKEN: TOKEN });
  try {
    const out = await installAction(s.ctx, { host: "127.0.0.1", port: "18790", displayName: "svc node", runtime: "node" });
    assert.equal(out.code, 0, out.stderr);
    const j = out.json as { ok: boolean; result: string; programArguments: string[]; envFile: string; warnings: string[] };
    assert.equal(j.ok, true);
    assert.equal(j.result, "installed");
    assert.deepEqual(j.warnings, []);
    assert.deepEqual(j.programArguments, [process.execPath, "/opt/oc/dist/src/cli/main.js", "node", "run", "--host", "127.0.0.1", "--port", "18790", "--display-name", "svc node"]);
    // the order: node.json existed before the first systemctl call that acts on the unit, which was written by then
    const reload = s.seen.find((c) => c.argv === "systemctl --user daemon-reload")!;
    assert.ok(reload.nodeJson && reload.unit);
    assert.ok(s.seen.find((c) => c.argv === "systemctl --user show-environment")!.nodeJson === false, "availability is checked before anything is written");
    const cfg = JSON.parse(readFileSync(join(s.stateDir, "node.json"), "utf8")) as { displayName: string; gateway: { port: number } };
    assert.equal(cfg.displayName, "svc node");
    assert.equal(cfg.gateway.port, 18790);
    assert.ok(existsSync(join(s.stateDir, "identity", "device.json")), "install creates the device identity");
    const unit = readFileSync(s.manager.definitionPath, "utf8");
    assert.equal(unit.includes(TOKEN), false);
    assert.equal(j.programArguments.join(" ").includes(TOKEN), false);
    assert.equal(statSync(j.envFile).mode & 0o777, 0o600);
    assert.match(readFileSync(j.envFile, "utf8"), new RegExp(`^OPENCLAW_GATEWAY_TOKEN=${TOKEN}$`, "m"));
    assert.equal(out.stderr.includes(TOKEN), false);
    assert.deepEqual(
      s.calls.map((c) => c.join(" ")),
      [
        "systemctl --user show-environment",
        "systemctl --version",
        "systemctl --user daemon-reload",
        "systemctl --user enable openclaw-node.service",
        "systemctl --user restart openclaw-node.service",
        "loginctl show-user alice --property=Linger",
      ],
    );

    // already installed: an error naming --force, nothing rewritten
    s.calls.length = 0;
    const again = await installAction(s.ctx, { port: "18791" });
    assert.equal(again.code, 1);
    assert.match(String(again.json.error), /already installed.*--force/);
    assert.deepEqual(again.json.hints, ["openclaw node install --force"]);
    assert.equal((JSON.parse(readFileSync(join(s.stateDir, "node.json"), "utf8")) as { gateway: { port: number } }).gateway.port, 18790);

    const forced = await installAction(s.ctx, { port: "18791", force: true });
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(readFileSync(s.manager.definitionPath, "utf8"), /--port 18791/);
    assert.ok(s.calls.some((c) => c.join(" ") === "systemctl --user restart openclaw-node.service"));
  } finally {
    s.cleanup();
  }
});

test("install: bad input and a missing runtime fail before anything is written", async () => {
  const s = setup(linger, { PATH: "/nonexistent-bin" });
  try {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ runtime: "deno" }, /Invalid --runtime \(use "node" or "bun"\)/],
      [{ port: "70000" }, /Invalid --port/],
      [{ port: "abc" }, /Invalid --port/],
      [{ tls: false, tlsFingerprint: "ab".repeat(32) }, /--no-tls cannot be combined with --tls-fingerprint/],
      [{ runtime: "bun" }, /--runtime bun: no `bun` executable on PATH; install Bun/],
      [{ runtime: "node" }, /--runtime node: no `node` executable on PATH/],
      [{ host: "10.1.2.3" }, /ws:\/\//],
    ];
    for (const [flags, re] of cases) {
      const out = await installAction({ ...s.ctx, env: { ...s.ctx.env, PATH: flags.host ? dirname(process.execPath) : "/nonexistent-bin" } }, flags);
      assert.equal(out.code, 1, JSON.stringify(flags));
      assert.match(String(out.json.error), re, JSON.stringify(flags));
      assert.equal(out.json.ok, false);
    }
    assert.equal(existsSync(s.manager.definitionPath), false);
    assert.equal(existsSync(join(s.stateDir, "node.json")), false);
  } finally {
    s.cleanup();
  }
});

test("install without a user systemd: says so and suggests `node run` with the given endpoint", async () => {
  const s = setup((argv) => (argv.includes("show-environment") ? { code: 1, stderr: "Failed to connect to bus: No medium found" } : undefined));
  try {
    const out = await installAction(s.ctx, { host: "127.0.0.1", port: "18790" });
    assert.equal(out.code, 1);
    assert.match(String(out.json.error), /systemctl --user is unavailable: Failed to connect to bus/);
    const hints = (out.json.hints as string[]).join("\n");
    assert.match(hints, /containers/);
    assert.match(hints, /openclaw node run --host 127\.0\.0\.1 --port 18790/);
    assert.match(out.stderr, /^Node install failed: systemctl --user is unavailable/);
    assert.equal(existsSync(join(s.stateDir, "node.json")), false);
  } finally {
    s.cleanup();
  }
});

test("start/restart on a missing service fail with the install hint; stop/uninstall succeed quietly", async () => {
  const s = setup();
  try {
    for (const action of ["start", "restart"] as const) {
      const out = await lifecycleAction(s.ctx, action);
      assert.equal(out.code, 1, action);
      assert.match(String(out.json.error), /not installed/);
      assert.match((out.json.hints as string[])[0]!, /openclaw node install/);
    }
    for (const action of ["stop", "uninstall"] as const) {
      const out = await lifecycleAction(s.ctx, action);
      assert.equal(out.code, 0, action);
      assert.deepEqual({ action: out.json.action, ok: out.json.ok, result: out.json.result }, { action, ok: true, result: "not-installed" });
    }
    assert.deepEqual(s.calls, [], "nothing is run for a service that is not installed");
  } finally {
    s.cleanup();
  }
});

test("uninstall removes the unit and env file, keeps node.json and the identity (and says so)", async () => {
  const s = setup(linger, { OPENCLAW_GATEWAY_TOKEN: TOKEN });
  try {
    assert.equal((await installAction(s.ctx, { port: "18790" })).code, 0);
    const envFile = join(s.stateDir, "node.env");
    assert.ok(existsSync(envFile));
    const out = await lifecycleAction(s.ctx, "uninstall");
    assert.equal(out.code, 0);
    assert.deepEqual(out.json.removed, [s.manager.definitionPath, envFile]);
    assert.deepEqual(out.json.kept, [join(s.stateDir, "node.json"), join(s.stateDir, "identity")]);
    assert.match(out.stderr, /Kept .*node\.json and .*identity/);
    assert.ok(existsSync(join(s.stateDir, "node.json")) && existsSync(join(s.stateDir, "identity", "device.json")));
    assert.ok(s.calls.some((c) => c.join(" ") === "systemctl --user disable --now openclaw-node.service"));
  } finally {
    s.cleanup();
  }
});

test("status: one stable JSON object (same keys installed or not), node state from node-status.json", async () => {
  let active = false;
  const s = setup((argv) => {
    if (argv[0] === "loginctl") return { stdout: "Linger=no\n" };
    if (argv.includes("show"))
      return active
        ? { stdout: `LoadState=loaded\nUnitFileState=enabled\nActiveState=active\nSubState=running\nMainPID=${process.pid}\nExecMainStatus=0\nExecMainCode=0\nResult=success\n` }
        : { stdout: "LoadState=not-found\nUnitFileState=\nActiveState=inactive\nSubState=dead\nMainPID=0\nExecMainStatus=0\nExecMainCode=0\nResult=success\n" };
    return undefined;
  }, { OPENCLAW_GATEWAY_TOKEN: TOKEN });
  try {
    const before = await statusAction(s.ctx);
    assert.equal(before.code, 0);
    assert.match(before.stdout, /not installed.*\n.*Install with: openclaw node install/s);
    assert.equal((await installAction(s.ctx, { port: "18790" })).code, 0);
    active = true;
    writeFileSync(join(s.stateDir, "node-status.json"), JSON.stringify({ pid: process.pid, state: "connected", paired: true, gateway: "ws://127.0.0.1:18790", updatedAt: new Date().toISOString() }));
    const after = await statusAction(s.ctx);
    const keys = (o: unknown): unknown => (o && typeof o === "object" && !Array.isArray(o) ? Object.fromEntries(Object.entries(o).map(([k, v]) => [k, k === "command" || k === "gateway" ? null : keys(v)])) : null);
    assert.deepEqual(keys(before.json), keys(after.json));
    const j = after.json as any;
    assert.deepEqual(
      { installed: j.service.installed, enabled: j.service.enabled, running: j.service.running, pid: j.service.pid, linger: j.service.linger, path: j.service.path, name: j.service.name },
      { installed: true, enabled: true, running: true, pid: process.pid, linger: false, path: s.manager.definitionPath, name: "openclaw-node.service" },
    );
    assert.deepEqual(j.gateway, { url: "ws://127.0.0.1:18790", tls: false, tlsFingerprint: null });
    assert.deepEqual({ state: j.node.state, connected: j.node.connected, paired: j.node.paired, pid: j.node.pid }, { state: "connected", connected: true, paired: true, pid: process.pid });
    assert.deepEqual(j.credentials, { source: "env-file", envFile: join(s.stateDir, "node.env"), deviceToken: false });
    assert.equal(j.logs, "journalctl --user -u openclaw-node.service -n 200 --no-pager");
    assert.equal(JSON.stringify(j).includes(TOKEN), false);
    assert.match(after.stdout, /Runtime: +running \(pid \d+, active \(running\)\)/);
    assert.match(after.stdout, /Node: +connected, paired/);
    assert.match(after.stdout, /Linger: .*sudo loginctl enable-linger/);

    // a dead node host never shows as connected
    writeFileSync(join(s.stateDir, "node-status.json"), JSON.stringify({ pid: 2 ** 22 + 12345, state: "connected", paired: true, gateway: "ws://x", updatedAt: "" }));
    const stale = (await statusAction(s.ctx)).json as any;
    assert.deepEqual({ state: stale.node.state, connected: stale.node.connected, pid: stale.node.pid }, { state: "stopped", connected: false, pid: null });
  } finally {
    s.cleanup();
  }
});

test("node run --env-file: loads only the service's variables, never overrides the environment, warns on a readable file", async () => {
  const { loadServiceEnvFile } = await import("./node.js");
  const { chmodSync } = await import("node:fs");
  const dir = mkdtempSync(join(tmpdir(), "oclite-envf-"));
  try {
    const file = join(dir, "node.env");
    writeFileSync(file, `# comment\nOPENCLAW_GATEWAY_TOKEN=${TOKEN}\nOPENCLAW_GATEWAY_PASSWORD='pw with space'\nLD_PRELOAD=/tmp/evil.so\nHTTPS_PROXY=http://p:3128\n`, { mode: 0o600 });
    const env: NodeJS.ProcessEnv = { HTTPS_PROXY: "http://already-set" };
    const warnings: string[] = [];
    assert.deepEqual(loadServiceEnvFile(file, env, (m) => warnings.push(m)), ["OPENCLAW_GATEWAY_TOKEN", "OPENCLAW_GATEWAY_PASSWORD"]);
    assert.deepEqual(env, { HTTPS_PROXY: "http://already-set", OPENCLAW_GATEWAY_TOKEN: TOKEN, OPENCLAW_GATEWAY_PASSWORD: "pw with space" });
    assert.equal(warnings.length, 0);
    chmodSync(file, 0o644);
    loadServiceEnvFile(file, {}, (m) => warnings.push(m));
    assert.match(warnings[0] ?? "", /readable by other users; run: chmod 600/);
    assert.deepEqual(loadServiceEnvFile(join(dir, "missing.env"), {}), [], "a missing file is fine (installed without credentials)");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
