// Liveness, secrets and graceful restart with real processes (bin/openclaw gateway run / node run):
// a frozen gateway (SIGSTOP) is detected and the node reconnects after SIGCONT; SIGTERM sends
// `shutdown` + 1012 and the node rejoins the restarted gateway; the gateway token, device token and
// private key never appear in logs, the child env, or argv, and secret files are 0600 in a 0700 dir;
// a node with no connection progress exits non-zero for its supervisor.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { Fixture, FULL_ACCESS, eventually, runCli, startCli, type CliProcess } from "../helpers.js";
import { writeJsonAtomic } from "../../src/shared/fs-atomic.js";

const count = (s: string, re: RegExp) => (s.match(re) ?? []).length;

test("processes: frozen gateway → node reconnects after SIGCONT; SIGTERM restart → node rejoins; no secret leaks", { timeout: 60_000 }, async () => {
  const f = new Fixture();
  const gwDir = f.dir();
  const nodeDir = f.dir();
  let gw = startCli(["gateway", "run", "--port", "0", "--tick-interval", "400"], { OPENCLAW_STATE_DIR: gwDir, HOME: gwDir });
  let node: CliProcess | undefined;
  try {
    const url = await eventually(() => /listening on (ws:\/\/127\.0\.0\.1:\d+)/.exec(gw.stderr)?.[1], 10_000, "gateway listening");
    const port = url.split(":").pop()!;
    const op = { OPENCLAW_STATE_DIR: gwDir, OPENCLAW_GATEWAY_URL: url, HOME: gwDir };
    const setup = await runCli(["nodes", "join-code", "--json"], op);
    const setupCode = (JSON.parse(setup.stdout) as { setupCode: string }).setupCode;
    writeJsonAtomic(join(nodeDir, "exec-approvals.json"), FULL_ACCESS);
    node = startCli(["node", "run", "--pair", setupCode, "--display-name", "rel-node"], { OPENCLAW_STATE_DIR: nodeDir, HOME: nodeDir, PROVIDER_API_KEY: "sk-provider-secret-1234" });
    await eventually(() => /connected to ws:\/\//.test(node!.stderr), 10_000, "node connected");

    // --- secrets -------------------------------------------------------------------------------
    const gwToken = (JSON.parse(readFileSync(join(gwDir, "gateway-auth.json"), "utf8")) as { token: string }).token;
    const deviceToken = (JSON.parse(readFileSync(join(nodeDir, "node.json"), "utf8")) as { token: string }).token;
    const identity = JSON.parse(readFileSync(join(nodeDir, "identity", "device.json"), "utf8")) as Record<string, string>;
    const privateKey = Object.entries(identity).find(([k]) => /private/i.test(k))![1];
    const keyBody = privateKey.split("\n").find((l) => l.length > 40 && !l.startsWith("-----"))!;
    assert.ok(gwToken && deviceToken && keyBody);
    const secrets = { gwToken, deviceToken, keyBody, setupCode, provider: "sk-provider-secret-1234" };
    const printenv = await runCli(["nodes", "run", "--node", "rel-node", "--json", "--", "printenv"], op);
    assert.equal(printenv.code, 0, printenv.stderr);
    const cmdlines = [gw, node].map((p) => readFileSync(`/proc/${p.child.pid}/cmdline`, "utf8"));
    const haystacks = { "gateway stderr": gw.stderr + gw.stdout, "node stderr": node.stderr + node.stdout, "child env (printenv)": printenv.stdout, "gateway argv": cmdlines[0]!, "node argv": cmdlines[1]! };
    for (const [where, text] of Object.entries(haystacks)) {
      for (const [what, secret] of Object.entries(secrets)) {
        if (what === "setupCode" && where === "node argv") continue; // the join code is the argument the user passed (single use, spent)
        assert.equal(text.includes(secret), false, `${what} appears in ${where}`);
      }
    }
    for (const file of [join(gwDir, "gateway-auth.json"), join(nodeDir, "node.json"), join(nodeDir, "identity", "device.json")]) {
      assert.equal(statSync(file).mode & 0o777, 0o600, file);
    }
    for (const d of [gwDir, nodeDir, join(nodeDir, "identity")]) assert.equal(statSync(d).mode & 0o777, 0o700, d);

    // --- frozen gateway process: the node's tick watchdog drops it; after SIGCONT it reconnects --
    const before = count(node.stderr, /connected to ws:\/\//g);
    gw.child.kill("SIGSTOP");
    await eventually(() => /no traffic from the gateway for two tick intervals; reconnecting/.test(node!.stderr), 10_000, "node noticed the frozen gateway");
    gw.child.kill("SIGCONT");
    await eventually(() => count(node!.stderr, /connected to ws:\/\//g) > before, 20_000, "node reconnected after SIGCONT");

    // --- graceful stop: shutdown event, 1012, node rejoins a restarted gateway on the same port ----
    gw.child.kill("SIGTERM");
    assert.equal(await gw.exit, 0, gw.stderr);
    await eventually(() => /gateway closed \(1012\): service restart; reconnecting/.test(node!.stderr), 5000, "node saw 1012");
    const beforeRestart = count(node.stderr, /connected to ws:\/\//g);
    gw = startCli(["gateway", "run", "--port", port, "--tick-interval", "400"], { OPENCLAW_STATE_DIR: gwDir, HOME: gwDir });
    await eventually(() => count(node!.stderr, /connected to ws:\/\//g) > beforeRestart, 20_000, "node rejoined the restarted gateway");
    const again = await runCli(["nodes", "run", "--node", "rel-node", "--", "echo", "back"], op);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, "back\n");

    node.child.kill("SIGTERM");
    assert.equal(await node.exit, 0);
    gw.child.kill("SIGTERM");
    assert.equal(await gw.exit, 0);
  } finally {
    node?.child.kill("SIGKILL");
    gw.child.kill("SIGCONT");
    gw.child.kill("SIGKILL");
    await f.close();
  }
});

test("processes: a node without connection progress exits non-zero (watchdog) for its supervisor", { timeout: 30_000 }, async () => {
  const f = new Fixture();
  try {
    const dir = f.dir();
    // nothing listens on port 9 of loopback: every attempt fails, no progress
    const node = startCli(["node", "run", "--host", "127.0.0.1", "--port", "9"], { OPENCLAW_STATE_DIR: dir, HOME: dir, OPENCLAW_GATEWAY_TOKEN: "x", OPENCLAW_NODE_WATCHDOG_MS: "1500" });
    const code = await node.exit;
    assert.notEqual(code, 0);
    assert.match(node.stderr, /no connection to the gateway at ws:\/\/127\.0\.0\.1:9 for \d+ s.*exiting so the service manager restarts the node/);
  } finally {
    await f.close();
  }
});
