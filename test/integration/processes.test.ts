// End to end with real processes, as a user runs them: `gateway run` (generated token), `nodes
// join-code`, `node run --pair`, `nodes run`, then SIGTERM to both (clean exits, node reconnect after a
// gateway restart is covered in pairing.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Fixture, eventually } from "../helpers.js";

const BIN = fileURLToPath(new URL("../../../bin/openclaw", import.meta.url));

interface Proc {
  child: ChildProcess;
  out: string;
  err: string;
  exit: Promise<number | null>;
}

function start(args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? "", ...env } });
  const p: Proc = { child, out: "", err: "", exit: new Promise((r) => child.on("exit", (code) => r(code))) };
  child.stdout!.on("data", (d) => (p.out += d));
  child.stderr!.on("data", (d) => (p.err += d));
  return p;
}

async function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  const p = start(args, env);
  const code = await p.exit;
  await new Promise((r) => setImmediate(r));
  return { code, out: p.out, err: p.err };
}

test("gateway and node host as processes: pair with a join code, run a command, stop cleanly", async () => {
  const f = new Fixture();
  const gwDir = f.dir();
  const nodeDir = f.dir();
  const gw = start(["gateway", "run", "--port", "0"], { OPENCLAW_STATE_DIR: gwDir, HOME: gwDir });
  let node: Proc | undefined;
  try {
    const url = await eventually(() => /listening on (ws:\/\/127\.0\.0\.1:\d+)/.exec(gw.err)?.[1], 10_000, "gateway listening");
    assert.match(gw.err, /shared token: generated and stored in .*gateway-auth\.json/);
    assert.equal(statSync(join(gwDir, "gateway-auth.json")).mode & 0o777, 0o600);
    assert.equal(statSync(gwDir).mode & 0o777, 0o700);
    const op = { OPENCLAW_STATE_DIR: gwDir, OPENCLAW_GATEWAY_URL: url, HOME: gwDir };

    const code = await runCli(["nodes", "join-code", "--json"], op);
    assert.equal(code.code, 0, code.err);
    const setupCode = (JSON.parse(code.out) as { setupCode: string }).setupCode;

    node = start(["node", "run", "--pair", setupCode, "--display-name", "proc-node"], { OPENCLAW_STATE_DIR: nodeDir, HOME: nodeDir });
    await eventually(() => /connected to ws:\/\//.test(node!.err), 10_000, "node connected");
    for (const file of ["node.json", "identity/device.json"]) assert.equal(statSync(join(nodeDir, file)).mode & 0o777, 0o600, file);
    assert.equal(node.err.includes(setupCode), false, "the join code is not logged");

    const list = await runCli(["nodes", "list", "--json"], op);
    const nodes = (JSON.parse(list.out) as { nodes: { displayName: string; connected: boolean }[] }).nodes;
    assert.deepEqual(nodes.map((n) => [n.displayName, n.connected]), [["proc-node", true]]);

    // no exec-approvals.json on the node: allowlist + ask on-miss → refused, exit code 126
    const denied = await runCli(["nodes", "run", "--node", "proc-node", "--no-ask", "--", "uname"], op);
    assert.equal(denied.code, 126);
    assert.match(denied.err, /SYSTEM_RUN_DENIED: approval required/);

    node.child.kill("SIGTERM");
    assert.equal(await node.exit, 0, node.err);
    gw.child.kill("SIGTERM");
    assert.equal(await gw.exit, 0, gw.err);
  } finally {
    node?.child.kill("SIGKILL");
    gw.child.kill("SIGKILL");
    await f.close();
  }
});
